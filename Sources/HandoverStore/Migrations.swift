import Foundation
import HandoverCore
import SQLKit

/// A numbered schema change. Applied once, in its own transaction, and recorded in `schema_migrations`.
public struct Migration: Sendable {
    public var version: Int
    public var name: String
    public var statements: [String]
    /// SQLite's own statements where its ALTER TABLE cannot say the change (it rebuilds the
    /// table instead); nil when `statements` serve both engines.
    public var sqliteStatements: [String]? = nil
    /// Statements that differ by engine without rebuilding a table (full-text search: FTS5 on
    /// SQLite, a tsvector on PostgreSQL), run after `statements`.
    public var engineStatements: [DatabaseEngine: [String]] = [:]
    /// Work SQL alone cannot say (reading JSON, say), run after the statements in the same
    /// transaction: a data migration. Nil for a schema change.
    public var data: (@Sendable (any SQLDatabase) async throws -> Void)? = nil

    /// A SQLite rebuild drops a table that others reference, so it runs with foreign keys off
    /// (SQLite's documented procedure) and checks them all before it commits.
    var rebuildsTables: Bool { sqliteStatements != nil }

    func statements(for engine: DatabaseEngine) -> [String] {
        (engine == .sqlite ? sqliteStatements ?? statements : statements) + (engineStatements[engine] ?? [])
    }
}

/// The schema, in order. Never edit a migration that has shipped: add the next one.
public enum Migrations {
    public static let all: [Migration] = [
        Migration(
            version: 1, name: "initial schema",
            statements: [
                """
                CREATE TABLE organizations (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE members (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    email TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL,
                    role TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'member', 'auditor')),
                    manager_id TEXT REFERENCES members(id),
                    password_hash TEXT,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX members_by_organization ON members (organization_id)",
                """
                CREATE TABLE api_tokens (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    member_id TEXT NOT NULL REFERENCES members(id),
                    name TEXT NOT NULL,
                    token_digest TEXT NOT NULL UNIQUE,
                    created_at BIGINT NOT NULL,
                    last_used_at BIGINT,
                    revoked_at BIGINT
                )
                """,
                """
                CREATE TABLE sessions (
                    token_digest TEXT PRIMARY KEY,
                    member_id TEXT NOT NULL REFERENCES members(id),
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE login_attempts (
                    email TEXT NOT NULL,
                    at BIGINT NOT NULL,
                    succeeded BIGINT NOT NULL
                )
                """,
                "CREATE INDEX login_attempts_by_email ON login_attempts (email, at)",
                """
                CREATE TABLE accounts (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    name TEXT NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('customer', 'system', 'patient', 'project', 'asset', 'service')),
                    owner_id TEXT NOT NULL REFERENCES members(id),
                    profile TEXT NOT NULL,
                    version BIGINT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX accounts_by_organization ON accounts (organization_id, name)",
                """
                CREATE TABLE account_owners (
                    account_id TEXT NOT NULL REFERENCES accounts(id),
                    owner_id TEXT NOT NULL REFERENCES members(id),
                    owned_from BIGINT NOT NULL,
                    owned_until BIGINT,
                    handover_id TEXT
                )
                """,
                // One current owner per account, in the history as on the account row.
                "CREATE UNIQUE INDEX account_owners_one_current ON account_owners (account_id) WHERE owned_until IS NULL",
                """
                CREATE TABLE templates (
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    template_key TEXT NOT NULL,
                    version BIGINT NOT NULL,
                    definition TEXT NOT NULL,
                    created_by TEXT NOT NULL REFERENCES members(id),
                    created_at BIGINT NOT NULL,
                    PRIMARY KEY (organization_id, template_key, version)
                )
                """,
                """
                CREATE TABLE handovers (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    account_id TEXT NOT NULL REFERENCES accounts(id),
                    template_key TEXT NOT NULL,
                    template_version BIGINT NOT NULL,
                    transferor_id TEXT NOT NULL REFERENCES members(id),
                    recipient_id TEXT NOT NULL REFERENCES members(id),
                    state TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'returned', 'acknowledged', 'completed', 'verified', 'closed', 'cancelled')),
                    content TEXT NOT NULL,
                    synthesis TEXT,
                    return_reason TEXT,
                    version BIGINT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    submitted_at BIGINT,
                    acknowledged_at BIGINT,
                    completed_at BIGINT,
                    CHECK (transferor_id <> recipient_id)
                )
                """,
                // At most one open handover per account.
                """
                CREATE UNIQUE INDEX handovers_one_open_per_account ON handovers (account_id)
                WHERE state IN ('draft', 'submitted', 'returned', 'acknowledged')
                """,
                "CREATE INDEX handovers_by_organization ON handovers (organization_id, updated_at)",
                "CREATE INDEX handovers_by_transferor ON handovers (transferor_id)",
                "CREATE INDEX handovers_by_recipient ON handovers (recipient_id)",
                """
                CREATE TABLE handover_events (
                    id TEXT PRIMARY KEY,
                    handover_id TEXT NOT NULL REFERENCES handovers(id),
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    actor_id TEXT NOT NULL REFERENCES members(id),
                    event TEXT NOT NULL,
                    handover_version BIGINT NOT NULL,
                    from_state TEXT,
                    to_state TEXT NOT NULL,
                    note TEXT,
                    at BIGINT NOT NULL
                )
                """,
                "CREATE UNIQUE INDEX handover_events_by_handover ON handover_events (handover_id, handover_version)",
            ]),
        Migration(
            version: 2, name: "handover questions",
            statements: [
                """
                CREATE TABLE handover_questions (
                    id TEXT PRIMARY KEY,
                    handover_id TEXT NOT NULL REFERENCES handovers(id),
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    author_id TEXT NOT NULL REFERENCES members(id),
                    body TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX handover_questions_by_handover ON handover_questions (handover_id, created_at)",
            ]),
        // The web app's lists (home page, an owner's accounts) filter by state and party; measured
        // with `handover-bench pages` on 10,000 handovers, these cut the home page's queries from
        // ~10 ms (a scan of the organization) to well under 1 ms each.
        Migration(
            version: 3, name: "indexes for lists by state, party and owner",
            statements: [
                "CREATE INDEX handovers_by_state ON handovers (organization_id, state, updated_at)",
                "CREATE INDEX handovers_by_transferor_state ON handovers (transferor_id, state, updated_at)",
                "CREATE INDEX handovers_by_recipient_state ON handovers (recipient_id, state, updated_at)",
                "CREATE INDEX accounts_by_owner ON accounts (organization_id, owner_id, name)",
                // The earliest open item's due date (YYYY-MM-DD), kept with every profile write, so that
                // "overdue on my accounts" is an index range rather than a read of every profile.
                "ALTER TABLE accounts ADD COLUMN next_due TEXT",
                "CREATE INDEX accounts_by_owner_due ON accounts (organization_id, owner_id, next_due)",
            ]),
        // The audit log: one Merkle tree per organization (see HandoverTrust). Hashes are hex text
        // so both engines store and compare them the same way.
        Migration(
            version: 4, name: "audit log",
            statements: [
                """
                CREATE TABLE audit_heads (
                    organization_id TEXT PRIMARY KEY REFERENCES organizations(id),
                    size BIGINT NOT NULL,
                    integrated BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE audit_entries (
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    seq BIGINT NOT NULL,
                    at BIGINT NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    target TEXT NOT NULL,
                    request TEXT NOT NULL,
                    digest TEXT NOT NULL,
                    leaf_hash TEXT NOT NULL,
                    PRIMARY KEY (organization_id, seq)
                )
                """,
                """
                CREATE TABLE audit_nodes (
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    level INTEGER NOT NULL,
                    idx BIGINT NOT NULL,
                    hash TEXT NOT NULL,
                    PRIMARY KEY (organization_id, level, idx)
                )
                """,
                """
                CREATE TABLE audit_checkpoints (
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    size BIGINT NOT NULL,
                    root_hash TEXT NOT NULL,
                    note TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    PRIMARY KEY (organization_id, size)
                )
                """,
                "INSERT INTO audit_heads (organization_id, size, integrated) SELECT id, 0, 0 FROM organizations",
            ]),
        // Signed sign-offs: members' public keys (never a private key) and the envelopes they signed.
        Migration(
            version: 5, name: "signing keys and sign-offs",
            statements: [
                """
                CREATE TABLE signing_keys (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    member_id TEXT NOT NULL REFERENCES members(id),
                    public_key TEXT NOT NULL,
                    origin TEXT NOT NULL,
                    enrolled_at BIGINT NOT NULL,
                    revoked_at BIGINT
                )
                """,
                "CREATE INDEX signing_keys_by_member ON signing_keys (member_id)",
                """
                CREATE TABLE signoffs (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    handover_id TEXT NOT NULL REFERENCES handovers(id),
                    member_id TEXT NOT NULL REFERENCES members(id),
                    role TEXT NOT NULL CHECK (role IN ('transferor', 'recipient', 'manager')),
                    key_id TEXT NOT NULL REFERENCES signing_keys(id),
                    handover_version BIGINT NOT NULL,
                    content_digest TEXT NOT NULL,
                    signed_at BIGINT NOT NULL,
                    recorded_at BIGINT NOT NULL,
                    authentication TEXT NOT NULL,
                    envelope TEXT NOT NULL
                )
                """,
                // One sign-off per role, content and key: signing again after an edit, or with a new
                // key after revoking the old one, is a new row.
                "CREATE UNIQUE INDEX signoffs_once ON signoffs (handover_id, role, content_digest, key_id)",
                // The certificate gathers a handover's (and a key's) entries by target.
                "CREATE INDEX audit_entries_by_target ON audit_entries (organization_id, target)",
            ]),
        // Sign-in guesses counted atomically per email and per source address (one row per key,
        // a fixed window from its first guess), replacing the per-attempt rows that raced.
        Migration(
            version: 6, name: "login guards",
            statements: [
                "DROP TABLE login_attempts",
                """
                CREATE TABLE login_guards (
                    key TEXT PRIMARY KEY,
                    window_start BIGINT NOT NULL,
                    guesses BIGINT NOT NULL
                )
                """,
                "CREATE INDEX login_guards_by_start ON login_guards (window_start)",
            ]),
        // An email is unique within its organization only, so that adding a member never tells
        // one organization whether an address is taken in another (see Docs/Sign-in.md).
        Migration(
            version: 7, name: "member emails unique per organization",
            statements: [
                "ALTER TABLE members DROP CONSTRAINT members_email_key",
                "CREATE UNIQUE INDEX members_email_per_organization ON members (organization_id, email)",
                "CREATE INDEX members_by_email ON members (email)",
            ],
            sqliteStatements: [
                """
                CREATE TABLE members_rebuilt (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    email TEXT NOT NULL,
                    name TEXT NOT NULL,
                    role TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'member', 'auditor')),
                    manager_id TEXT REFERENCES members(id),
                    password_hash TEXT,
                    created_at BIGINT NOT NULL
                )
                """,
                "INSERT INTO members_rebuilt SELECT id, organization_id, email, name, role, manager_id, password_hash, created_at FROM members",
                "DROP TABLE members",
                "ALTER TABLE members_rebuilt RENAME TO members",
                "CREATE INDEX members_by_organization ON members (organization_id)",
                "CREATE UNIQUE INDEX members_email_per_organization ON members (organization_id, email)",
                "CREATE INDEX members_by_email ON members (email)",
            ]),
        // Accounts written before version 3 have no next_due; this fills it from their profiles,
        // once (it ran at every start before it was a migration; later writes keep it).
        Migration(version: 8, name: Migrations.nextDueBackfillName, statements: [], data: SQLHandoverStore.backfillNextDue),
        // Durable background jobs (Docs/Jobs.md): enqueued in the transaction of the change that
        // causes them, claimed with a lease, retried with backoff. At most one pending job per
        // dedupe key; failures counted per kind for /metrics (a counter that survives purges).
        Migration(
            version: 9, name: "jobs",
            statements: [
                """
                CREATE TABLE jobs (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT REFERENCES organizations(id),
                    kind TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'dead', 'cancelled')),
                    attempts INTEGER NOT NULL,
                    max_attempts INTEGER NOT NULL,
                    run_after BIGINT NOT NULL,
                    locked_by TEXT,
                    locked_until BIGINT,
                    last_error TEXT,
                    dedupe_key TEXT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX jobs_claimable ON jobs (state, run_after)",
                "CREATE UNIQUE INDEX jobs_pending_dedupe ON jobs (dedupe_key) WHERE state = 'pending'",
                """
                CREATE TABLE job_failures (
                    kind TEXT PRIMARY KEY,
                    failures BIGINT NOT NULL
                )
                """,
            ]),
        // Sealed secrets: members' encryption keys, the organization's recovery key, the secrets'
        // ciphertexts and one wrapped content key per reader. Nothing here opens without a
        // private key the server never sees.
        Migration(
            version: 10, name: "sealed secrets",
            statements: [
                """
                CREATE TABLE encryption_keys (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    member_id TEXT NOT NULL REFERENCES members(id),
                    public_key TEXT NOT NULL,
                    origin TEXT NOT NULL,
                    enrolled_at BIGINT NOT NULL,
                    revoked_at BIGINT
                )
                """,
                "CREATE UNIQUE INDEX encryption_keys_one_active ON encryption_keys (member_id) WHERE revoked_at IS NULL",
                """
                CREATE TABLE recovery_keys (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    public_key TEXT NOT NULL,
                    created_by TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    retired_at BIGINT
                )
                """,
                "CREATE UNIQUE INDEX recovery_keys_one_active ON recovery_keys (organization_id) WHERE retired_at IS NULL",
                """
                CREATE TABLE secrets (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    account_id TEXT NOT NULL REFERENCES accounts(id),
                    name TEXT NOT NULL,
                    system TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    version BIGINT NOT NULL,
                    ciphertext TEXT NOT NULL,
                    last_rotated_at BIGINT NOT NULL,
                    created_by TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX secrets_by_account ON secrets (organization_id, account_id)",
                """
                CREATE TABLE secret_wraps (
                    secret_id TEXT NOT NULL REFERENCES secrets(id),
                    reader_id TEXT NOT NULL,
                    version BIGINT NOT NULL,
                    key_id TEXT NOT NULL,
                    wrapped_key TEXT NOT NULL,
                    handover_id TEXT REFERENCES handovers(id),
                    created_at BIGINT NOT NULL,
                    PRIMARY KEY (secret_id, reader_id)
                )
                """,
                "CREATE INDEX secret_wraps_by_handover ON secret_wraps (handover_id)",
            ]),
        // Rotation: each secret version a member could open when their access ended, until a
        // rotation settles it. One row per (secret, version, member): a second cause of the same
        // exposure keeps the first.
        Migration(
            version: 11, name: "secret exposures",
            statements: [
                """
                CREATE TABLE secret_exposures (
                    secret_id TEXT NOT NULL REFERENCES secrets(id),
                    version BIGINT NOT NULL,
                    member_id TEXT NOT NULL REFERENCES members(id),
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    cause TEXT NOT NULL CHECK (cause IN ('handover', 'departure')),
                    handover_id TEXT REFERENCES handovers(id),
                    exposed_at BIGINT NOT NULL,
                    due_at BIGINT NOT NULL,
                    rotated_at BIGINT,
                    rotated_by TEXT,
                    rotated_version BIGINT,
                    PRIMARY KEY (secret_id, version, member_id)
                )
                """,
                "CREATE INDEX secret_exposures_by_organization ON secret_exposures (organization_id, exposed_at)",
                "CREATE INDEX secret_exposures_open ON secret_exposures (secret_id) WHERE rotated_at IS NULL",
            ]),
        // Access grants: each account's inventory of who holds which role on which system (a member,
        // or a named outsider), revoked rather than deleted; and each handover's access plan, the
        // lines that grant to the recipient and revoke from the transferor. A grant's dates are
        // calendar days (YYYY-MM-DD), as people write them; a line's grant and kind are unique per
        // handover so that two draws at once add each line once (NULL grants never collide).
        Migration(
            version: 12, name: "access grants",
            statements: [
                """
                CREATE TABLE access_grants (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    account_id TEXT NOT NULL REFERENCES accounts(id),
                    system TEXT NOT NULL,
                    role TEXT NOT NULL,
                    holder_id TEXT REFERENCES members(id),
                    holder_name TEXT,
                    granted_on TEXT NOT NULL,
                    note TEXT NOT NULL,
                    revoked_on TEXT,
                    revoked_by TEXT,
                    revoked_at BIGINT,
                    revoke_evidence TEXT,
                    handover_id TEXT REFERENCES handovers(id),
                    created_by TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    version BIGINT NOT NULL,
                    CHECK (holder_id IS NOT NULL OR holder_name IS NOT NULL)
                )
                """,
                "CREATE INDEX access_grants_by_account ON access_grants (organization_id, account_id)",
                "CREATE INDEX access_grants_active_by_holder ON access_grants (holder_id) WHERE revoked_at IS NULL",
                """
                CREATE TABLE access_plan_lines (
                    id TEXT PRIMARY KEY,
                    handover_id TEXT NOT NULL REFERENCES handovers(id),
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    kind TEXT NOT NULL CHECK (kind IN ('grant', 'revoke')),
                    system TEXT NOT NULL,
                    role TEXT NOT NULL,
                    member_id TEXT NOT NULL REFERENCES members(id),
                    grant_id TEXT REFERENCES access_grants(id),
                    applied_grant_id TEXT REFERENCES access_grants(id),
                    status TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'declined')),
                    reason TEXT,
                    evidence TEXT,
                    confirmed_by TEXT,
                    confirmed_at BIGINT,
                    position BIGINT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE UNIQUE INDEX access_plan_lines_once ON access_plan_lines (handover_id, kind, grant_id)",
            ]),
        // Physical assets and custody (issue 14, part 5). An asset's custodian
        // changes only when a transfer completes; a transfer keeps its expected items and what
        // arrived as JSON (a snapshot taken when it began), and its signatures name the record
        // they signed by digest.
        Migration(
            version: 13, name: "physical assets and custody",
            statements: [
                """
                CREATE TABLE physical_assets (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    kind TEXT NOT NULL,
                    name TEXT NOT NULL,
                    serial TEXT,
                    location TEXT NOT NULL,
                    condition TEXT NOT NULL CHECK (condition IN ('good', 'worn', 'damaged', 'lost')),
                    custodian_id TEXT NOT NULL REFERENCES members(id),
                    account_id TEXT REFERENCES accounts(id),
                    version BIGINT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE UNIQUE INDEX physical_assets_serial ON physical_assets (organization_id, serial) WHERE serial IS NOT NULL",
                "CREATE INDEX physical_assets_by_custodian ON physical_assets (organization_id, custodian_id)",
                """
                CREATE TABLE custody_transfers (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    from_id TEXT NOT NULL REFERENCES members(id),
                    to_id TEXT NOT NULL REFERENCES members(id),
                    handover_id TEXT REFERENCES handovers(id),
                    state TEXT NOT NULL CHECK (state IN ('awaiting-receipt', 'awaiting-signatures', 'completed')),
                    items TEXT NOT NULL,
                    extras TEXT NOT NULL,
                    receipt_version BIGINT NOT NULL,
                    started_by TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    received_at BIGINT,
                    completed_at BIGINT
                )
                """,
                "CREATE INDEX custody_transfers_by_organization ON custody_transfers (organization_id, created_at)",
                """
                CREATE TABLE custody_signatures (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    transfer_id TEXT NOT NULL REFERENCES custody_transfers(id),
                    member_id TEXT NOT NULL REFERENCES members(id),
                    role TEXT NOT NULL CHECK (role IN ('giver', 'receiver')),
                    key_id TEXT NOT NULL,
                    record_digest TEXT NOT NULL,
                    signed_at BIGINT NOT NULL,
                    recorded_at BIGINT NOT NULL,
                    authentication TEXT NOT NULL,
                    envelope TEXT NOT NULL
                )
                """,
                "CREATE UNIQUE INDEX custody_signatures_once ON custody_signatures (transfer_id, role, record_digest)",
            ]),
        // The mail outbox (issue 15): each email a change causes, queued with its mail.send job in
        // that change's transaction, then sent or failed with the server's reply. The parts are
        // kept, not the rendered MIME: From comes from the configuration when it is sent, so a
        // message queued before SMTP was configured goes out with the configured sender.
        Migration(
            version: 14, name: "mail outbox",
            statements: [
                """
                CREATE TABLE outbox_messages (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    handover_id TEXT REFERENCES handovers(id),
                    kind TEXT NOT NULL,
                    recipients TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    text_body TEXT NOT NULL,
                    html_body TEXT,
                    attachments TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'failed')),
                    attempts INTEGER NOT NULL,
                    last_reply TEXT,
                    created_at BIGINT NOT NULL,
                    sent_at BIGINT,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX outbox_by_organization ON outbox_messages (organization_id, created_at)",
                "CREATE INDEX outbox_by_handover ON outbox_messages (handover_id, created_at)",
            ]),
        // An asset's chain of custody needs every completed transfer that expected it, and the
        // expected items live in a JSON column no index reaches portably: each transfer is filed
        // under its assets here, at its start, and the transfers already written are filed now.
        Migration(
            version: 15, name: "custody transfers by asset",
            statements: [
                """
                CREATE TABLE custody_transfer_items (
                    transfer_id TEXT NOT NULL REFERENCES custody_transfers(id),
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    asset_id TEXT NOT NULL REFERENCES physical_assets(id),
                    PRIMARY KEY (transfer_id, asset_id)
                )
                """,
                "CREATE INDEX custody_transfer_items_by_asset ON custody_transfer_items (organization_id, asset_id)",
            ], data: SQLHandoverStore.backfillTransferItems),
        // Briefings (issue 15, part 3): the scheduled overlap on a handover, its attendees (filed
        // one row each, for a member's calendar feed), and each member's feed token, kept as its
        // SHA-256 digest only (one per member: a new one replaces the old).
        Migration(
            version: 16, name: "briefings and calendar feeds",
            statements: [
                """
                CREATE TABLE briefings (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    handover_id TEXT NOT NULL REFERENCES handovers(id),
                    organizer_id TEXT NOT NULL REFERENCES members(id),
                    starts_at BIGINT NOT NULL,
                    duration_minutes INTEGER NOT NULL CHECK (duration_minutes BETWEEN 15 AND 480),
                    place TEXT,
                    video_url TEXT,
                    sequence INTEGER NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('scheduled', 'cancelled', 'held')),
                    confirmations TEXT NOT NULL,
                    version BIGINT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX briefings_by_handover ON briefings (handover_id, starts_at)",
                """
                CREATE TABLE briefing_attendees (
                    briefing_id TEXT NOT NULL REFERENCES briefings(id),
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    member_id TEXT NOT NULL REFERENCES members(id),
                    position INTEGER NOT NULL,
                    PRIMARY KEY (briefing_id, member_id)
                )
                """,
                "CREATE INDEX briefing_attendees_by_member ON briefing_attendees (organization_id, member_id)",
                """
                CREATE TABLE calendar_feeds (
                    member_id TEXT PRIMARY KEY REFERENCES members(id),
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    token_digest TEXT NOT NULL UNIQUE,
                    created_at BIGINT NOT NULL
                )
                """,
            ]),
        // Notifications (issue 15 part 2): each member's setting per event kind (a kind without a
        // row is `email`), the notices kept for their daily digest until a digest lists them, and
        // the days each handover was reported overdue, so a restarted job does not report it twice.
        Migration(
            version: 17, name: "notification preferences and digests",
            statements: [
                """
                CREATE TABLE notification_preferences (
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    member_id TEXT NOT NULL REFERENCES members(id),
                    kind TEXT NOT NULL,
                    setting TEXT NOT NULL CHECK (setting IN ('email', 'digest', 'off')),
                    updated_at BIGINT NOT NULL,
                    PRIMARY KEY (member_id, kind)
                )
                """,
                """
                CREATE TABLE digest_items (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    member_id TEXT NOT NULL REFERENCES members(id),
                    kind TEXT NOT NULL,
                    handover_id TEXT REFERENCES handovers(id),
                    summary TEXT NOT NULL,
                    link TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    digest_message_id TEXT REFERENCES outbox_messages(id),
                    sent_at BIGINT
                )
                """,
                "CREATE INDEX digest_items_pending ON digest_items (member_id, sent_at)",
                """
                CREATE TABLE overdue_notices (
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    handover_id TEXT NOT NULL REFERENCES handovers(id),
                    day TEXT NOT NULL,
                    sent_at BIGINT NOT NULL,
                    PRIMARY KEY (handover_id, day)
                )
                """,
            ]),
        // The customer's introduction and the follow-up (Docs/Introduction.md): the organization's
        // template, each introduction sent or recorded, each handover's follow-up and the customer
        // surveys, whose links are kept only as SHA-256 digests.
        Migration(
            version: 18, name: "introductions and follow-up",
            statements: [
                """
                CREATE TABLE introduction_templates (
                    organization_id TEXT PRIMARY KEY REFERENCES organizations(id),
                    subject TEXT NOT NULL,
                    body TEXT NOT NULL,
                    booking_link TEXT,
                    updated_by TEXT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE introductions (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    handover_id TEXT NOT NULL REFERENCES handovers(id),
                    mode TEXT NOT NULL CHECK (mode IN ('sent', 'recorded')),
                    subject TEXT NOT NULL,
                    body TEXT NOT NULL,
                    recipients TEXT NOT NULL,
                    outbox_message_id TEXT,
                    by_id TEXT NOT NULL,
                    ticked INTEGER NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX introductions_by_handover ON introductions (organization_id, handover_id, created_at)",
                """
                CREATE TABLE follow_ups (
                    handover_id TEXT PRIMARY KEY REFERENCES handovers(id),
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    due_at BIGINT NOT NULL,
                    started_at BIGINT,
                    enough INTEGER,
                    missing TEXT,
                    rushed INTEGER,
                    score INTEGER,
                    answered_at BIGINT,
                    checked_in_at BIGINT,
                    checked_in_by TEXT
                )
                """,
                """
                CREATE TABLE customer_surveys (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    handover_id TEXT NOT NULL REFERENCES handovers(id),
                    account_id TEXT NOT NULL,
                    contact_name TEXT,
                    contact_email TEXT NOT NULL,
                    token_digest TEXT NOT NULL UNIQUE,
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    answered_at BIGINT,
                    satisfaction INTEGER,
                    repeated_story INTEGER,
                    comment TEXT
                )
                """,
                "CREATE INDEX customer_surveys_by_handover ON customer_surveys (organization_id, handover_id)",
                "CREATE INDEX customer_surveys_by_account ON customer_surveys (organization_id, account_id)",
            ]),
        // Process stages: an organization's pipelines (stages as JSON, each with a stable id), where
        // each account stands, every move into a stage, and the hand-offs started by "advance" that
        // move the account when their handover completes.
        Migration(
            version: 19, name: "pipelines and stages",
            statements: [
                """
                CREATE TABLE pipelines (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    name TEXT NOT NULL,
                    stages TEXT NOT NULL,
                    version BIGINT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE UNIQUE INDEX pipelines_by_name ON pipelines (organization_id, name)",
                """
                CREATE TABLE account_stages (
                    account_id TEXT PRIMARY KEY REFERENCES accounts(id),
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    pipeline_id TEXT NOT NULL REFERENCES pipelines(id),
                    stage_id TEXT NOT NULL,
                    since BIGINT NOT NULL
                )
                """,
                "CREATE INDEX account_stages_by_pipeline ON account_stages (organization_id, pipeline_id, stage_id)",
                """
                CREATE TABLE stage_moves (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    account_id TEXT NOT NULL REFERENCES accounts(id),
                    pipeline_id TEXT NOT NULL REFERENCES pipelines(id),
                    kind TEXT NOT NULL CHECK (kind IN ('placed', 'handed-off', 'moved')),
                    from_stage_id TEXT,
                    to_stage_id TEXT NOT NULL,
                    from_owner_id TEXT NOT NULL REFERENCES members(id),
                    to_owner_id TEXT NOT NULL REFERENCES members(id),
                    handover_id TEXT REFERENCES handovers(id),
                    actor_id TEXT NOT NULL REFERENCES members(id),
                    at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX stage_moves_by_account ON stage_moves (organization_id, account_id, at)",
                """
                CREATE TABLE pipeline_advances (
                    handover_id TEXT PRIMARY KEY REFERENCES handovers(id),
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    account_id TEXT NOT NULL REFERENCES accounts(id),
                    pipeline_id TEXT NOT NULL REFERENCES pipelines(id),
                    from_stage_id TEXT NOT NULL,
                    to_stage_id TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX pipeline_advances_by_account ON pipeline_advances (organization_id, account_id)",
            ]),
        // Attachments (issue 15): files on a handover or an account. The bytes are in the blob
        // folder by SHA-256 (one copy per content); a row is one upload of them. A delete marks
        // the row, so the audit log's entries keep pointing at something.
        Migration(
            version: 20, name: "attachments",
            statements: [
                """
                CREATE TABLE attachments (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    handover_id TEXT REFERENCES handovers(id),
                    account_id TEXT REFERENCES accounts(id),
                    name TEXT NOT NULL,
                    media_type TEXT NOT NULL,
                    size BIGINT NOT NULL,
                    sha256 TEXT NOT NULL,
                    uploader_id TEXT NOT NULL REFERENCES members(id),
                    created_at BIGINT NOT NULL,
                    deleted_at BIGINT,
                    CHECK ((handover_id IS NULL) <> (account_id IS NULL))
                )
                """,
                "CREATE INDEX attachments_by_handover ON attachments (organization_id, handover_id, created_at)",
                "CREATE INDEX attachments_by_account ON attachments (organization_id, account_id, created_at)",
                "CREATE INDEX attachments_by_content ON attachments (sha256)",
            ]),
        Migration(
            version: 21, name: "member deactivation, departures, idempotency keys",
            statements: [
                "ALTER TABLE members ADD COLUMN deactivated_at BIGINT",
                """
                CREATE TABLE departures (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    member_id TEXT NOT NULL REFERENCES members(id),
                    effective_on TEXT,
                    state TEXT NOT NULL,
                    request TEXT NOT NULL,
                    summary TEXT NOT NULL,
                    created_by TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    applied_at BIGINT
                )
                """,
                "CREATE INDEX departures_by_org ON departures (organization_id, created_at)",
                """
                CREATE TABLE idempotency_keys (
                    organization_id TEXT NOT NULL,
                    key TEXT NOT NULL,
                    actor_id TEXT NOT NULL,
                    operation TEXT NOT NULL,
                    request_digest TEXT NOT NULL,
                    state TEXT NOT NULL,
                    locked_until BIGINT NOT NULL,
                    status INTEGER,
                    body TEXT,
                    created_at BIGINT NOT NULL,
                    PRIMARY KEY (organization_id, key)
                )
                """,
            ]),
        Migration(
            version: 23, name: "outbound webhooks",
            statements: [
                // The secrets are sealed with a key derived from the server secret (WebhookSecret.seal).
                """
                CREATE TABLE webhook_subscriptions (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    url TEXT NOT NULL,
                    events TEXT NOT NULL,
                    enabled INTEGER NOT NULL,
                    description TEXT,
                    disabled_reason TEXT,
                    secret_sealed TEXT NOT NULL,
                    previous_secret_sealed TEXT,
                    previous_expires_at BIGINT,
                    version INTEGER NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX webhook_subscriptions_by_organization ON webhook_subscriptions (organization_id)",
                """
                CREATE TABLE webhook_deliveries (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions(id),
                    type TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
                    attempts INTEGER NOT NULL,
                    last_status INTEGER,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    delivered_at BIGINT
                )
                """,
                "CREATE INDEX webhook_deliveries_by_subscription ON webhook_deliveries (organization_id, subscription_id, created_at)",
                """
                CREATE TABLE webhook_attempts (
                    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id),
                    attempt INTEGER NOT NULL,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    at BIGINT NOT NULL,
                    status INTEGER,
                    duration_ms INTEGER NOT NULL,
                    response_excerpt TEXT,
                    error TEXT,
                    PRIMARY KEY (delivery_id, attempt)
                )
                """,
            ]),
        // Idempotency keys get an owner: each claim's id, so only the attempt holding the key can
        // complete or release it (Docs/Departures.md); and an index for the 24-hour purge.
        Migration(
            version: 24, name: "idempotency claim ids",
            statements: [
                "ALTER TABLE idempotency_keys ADD COLUMN claim_id TEXT",
                "CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at)",
            ]),
        // Identity providers' connections (SCIM, Docs/SCIM.md): a bearer per connection, stored
        // as its SHA-256 digest like API tokens.
        Migration(
            version: 25, name: "scim tokens",
            statements: [
                """
                CREATE TABLE scim_tokens (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    name TEXT NOT NULL,
                    token_digest TEXT NOT NULL UNIQUE,
                    created_at BIGINT NOT NULL,
                    revoked_at BIGINT,
                    last_used_at BIGINT
                )
                """,
                "CREATE INDEX scim_tokens_by_organization ON scim_tokens (organization_id)",
            ]),
        // Teams as identity providers push them (SCIM Groups), and the organization's mapping of
        // team names to roles (Docs/SCIM.md). `name_key` is the name as compared: trimmed, lowercased;
        // `position` keeps members in the order they joined (many join in one millisecond).
        Migration(
            version: 26, name: "teams",
            statements: [
                """
                CREATE TABLE teams (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    name TEXT NOT NULL,
                    name_key TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    UNIQUE (organization_id, name_key)
                )
                """,
                """
                CREATE TABLE team_members (
                    team_id TEXT NOT NULL REFERENCES teams(id),
                    member_id TEXT NOT NULL REFERENCES members(id),
                    added_at BIGINT NOT NULL,
                    position BIGINT NOT NULL,
                    PRIMARY KEY (team_id, member_id)
                )
                """,
                "CREATE INDEX team_members_by_member ON team_members (member_id)",
                """
                CREATE TABLE team_roles (
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    name_key TEXT NOT NULL,
                    role TEXT NOT NULL,
                    PRIMARY KEY (organization_id, name_key)
                )
                """,
                // Admins a team change would have demoted but kept, as the last active admin
                // (`TeamRoles.guarded`): re-derived with every later change until another admin exists.
                """
                CREATE TABLE team_role_holds (
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    member_id TEXT NOT NULL REFERENCES members(id),
                    PRIMARY KEY (organization_id, member_id)
                )
                """,
            ]),
        // The rules a deprovisioning's departure uses (Docs/SCIM.md): a JSON array of
        // `DepartureRule`s per organization; without a row, every account goes to the manager.
        Migration(
            version: 27, name: "deprovisioning rules",
            statements: [
                """
                CREATE TABLE deprovisioning_rules (
                    organization_id TEXT PRIMARY KEY REFERENCES organizations(id),
                    rules TEXT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """
            ]),
        // Realignments (Docs/Departures.md, "Realignment"): accounts changing hands from a CSV or
        // rules; the handovers they draft name the realignment on their `create` events.
        Migration(
            version: 28, name: "realignments",
            statements: [
                """
                CREATE TABLE realignments (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    source TEXT NOT NULL CHECK (source IN ('csv', 'rules')),
                    request TEXT NOT NULL,
                    summary TEXT NOT NULL,
                    created_by TEXT NOT NULL REFERENCES members(id),
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX realignments_by_organization ON realignments (organization_id, created_at)",
            ]),
        // Covers (Docs/Covers.md): an account handed to a colleague until a day and handed back
        // by the `cover.end` job; `snapshot` is the account's profile when the cover began (what
        // the handback says changed).
        Migration(
            version: 29, name: "covers",
            statements: [
                """
                CREATE TABLE covers (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    account_id TEXT NOT NULL REFERENCES accounts(id),
                    owner_id TEXT NOT NULL REFERENCES members(id),
                    coverer_id TEXT NOT NULL REFERENCES members(id),
                    until TEXT NOT NULL,
                    handover_id TEXT NOT NULL REFERENCES handovers(id),
                    handback_id TEXT REFERENCES handovers(id),
                    state TEXT NOT NULL CHECK (state IN ('active', 'handed-back', 'superseded', 'cancelled', 'failed')),
                    reason TEXT,
                    snapshot TEXT NOT NULL,
                    created_by TEXT NOT NULL REFERENCES members(id),
                    created_at BIGINT NOT NULL,
                    ended_at BIGINT
                )
                """,
                "CREATE INDEX covers_by_account ON covers (organization_id, account_id, state)",
                "CREATE INDEX covers_by_organization ON covers (organization_id, created_at)",
            ]),
        // Shift schedules (Docs/Shifts.md): a rota of an account; overrides in absolute time,
        // apart from the rule, so they survive its edits; one row per change of holder, unique
        // per schedule and instant, so a second run of a change (another replica) does nothing.
        Migration(
            version: 30, name: "shift schedules",
            statements: [
                """
                CREATE TABLE shift_schedules (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    name TEXT NOT NULL,
                    account_id TEXT NOT NULL REFERENCES accounts(id),
                    team_id TEXT REFERENCES teams(id),
                    rotation TEXT NOT NULL,
                    rule TEXT NOT NULL,
                    starts_on TEXT NOT NULL,
                    start_time TEXT NOT NULL,
                    duration TEXT NOT NULL,
                    time_zone TEXT NOT NULL,
                    ack_minutes INTEGER NOT NULL,
                    wait_for_ack INTEGER NOT NULL,
                    template_key TEXT,
                    state TEXT NOT NULL CHECK (state IN ('active', 'stopped')),
                    version INTEGER NOT NULL,
                    created_by TEXT NOT NULL REFERENCES members(id),
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX shift_schedules_by_organization ON shift_schedules (organization_id, account_id)",
                """
                CREATE TABLE shift_overrides (
                    id TEXT PRIMARY KEY,
                    schedule_id TEXT NOT NULL REFERENCES shift_schedules(id),
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    member_id TEXT NOT NULL REFERENCES members(id),
                    starts_at BIGINT NOT NULL,
                    ends_at BIGINT NOT NULL,
                    reason TEXT,
                    created_by TEXT NOT NULL REFERENCES members(id),
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX shift_overrides_by_schedule ON shift_overrides (schedule_id, ends_at)",
                """
                CREATE TABLE shift_changes (
                    id TEXT PRIMARY KEY,
                    schedule_id TEXT NOT NULL REFERENCES shift_schedules(id),
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    at BIGINT NOT NULL,
                    from_member_id TEXT REFERENCES members(id),
                    to_member_id TEXT NOT NULL REFERENCES members(id),
                    handover_id TEXT REFERENCES handovers(id),
                    state TEXT NOT NULL CHECK (state IN ('drafted', 'unchanged', 'blocked', 'missed')),
                    reason TEXT,
                    ack_due_at BIGINT NOT NULL,
                    escalated_at BIGINT,
                    UNIQUE (schedule_id, at)
                )
                """,
                "CREATE INDEX shift_changes_by_handover ON shift_changes (handover_id)",
            ]),
        // The question answerer (issue 17, part 4): an account's record cut into passages, rebuilt
        // when the record's fingerprint changes, searched within one account at a time. SQLite
        // indexes them with FTS5 (an external-content table kept by triggers; `scope` is the
        // account as one token, so a search reads only that account's postings); PostgreSQL keeps
        // a weighted tsvector beside each row and finds an account's rows by its index (no GIN
        // index: nothing searches across accounts). `length` (words) is BM25's. The index
        // `handovers_by_account` reads an account's handovers for the fingerprint without
        // scanning the organization's.
        Migration(
            version: 31, name: "passages for the question answerer",
            statements: [
                "CREATE INDEX handovers_by_account ON handovers (account_id)",
                """
                CREATE TABLE passage_sources (
                    account_id TEXT PRIMARY KEY REFERENCES accounts(id),
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    fingerprint TEXT NOT NULL,
                    indexed_at BIGINT NOT NULL
                )
                """,
            ],
            engineStatements: [
                .sqlite: [
                    """
                    CREATE TABLE passages (
                        id INTEGER PRIMARY KEY,
                        organization_id TEXT NOT NULL,
                        account_id TEXT NOT NULL,
                        handover_id TEXT,
                        kind TEXT NOT NULL,
                        key TEXT NOT NULL,
                        link TEXT NOT NULL,
                        scope TEXT NOT NULL,
                        title TEXT NOT NULL,
                        body TEXT NOT NULL,
                        length INTEGER NOT NULL
                    )
                    """,
                    "CREATE INDEX passages_by_account ON passages (account_id)",
                    """
                    CREATE VIRTUAL TABLE passage_index USING fts5(
                        scope, title, body, content='passages', content_rowid='id', tokenize='porter unicode61')
                    """,
                    """
                    CREATE TRIGGER passages_indexed AFTER INSERT ON passages BEGIN
                        INSERT INTO passage_index (rowid, scope, title, body) VALUES (new.id, new.scope, new.title, new.body);
                    END
                    """,
                    """
                    CREATE TRIGGER passages_unindexed AFTER DELETE ON passages BEGIN
                        INSERT INTO passage_index (passage_index, rowid, scope, title, body) VALUES ('delete', old.id, old.scope, old.title, old.body);
                    END
                    """,
                ],
                .postgres: [
                    """
                    CREATE TABLE passages (
                        id BIGSERIAL PRIMARY KEY,
                        organization_id TEXT NOT NULL,
                        account_id TEXT NOT NULL,
                        handover_id TEXT,
                        kind TEXT NOT NULL,
                        key TEXT NOT NULL,
                        link TEXT NOT NULL,
                        scope TEXT NOT NULL,
                        title TEXT NOT NULL,
                        body TEXT NOT NULL,
                        length INTEGER NOT NULL,
                        words tsvector GENERATED ALWAYS AS
                            (setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body), 'B')) STORED
                    )
                    """,
                    "CREATE INDEX passages_by_account ON passages (account_id)",
                ],
            ]),
        Migration(
            version: 32, name: "imports of CRM and ticket exports",
            statements: [
                // The run's figures and mapping are one JSON document: only the job writes them,
                // and nothing queries inside them.
                """
                CREATE TABLE imports (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    state TEXT NOT NULL,
                    run TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX imports_by_organization ON imports (organization_id, created_at)",
                """
                CREATE TABLE import_mappings (
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    source TEXT NOT NULL,
                    mapping TEXT NOT NULL,
                    updated_by TEXT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    PRIMARY KEY (organization_id, source)
                )
                """,
                """
                CREATE TABLE imported_records (
                    organization_id TEXT NOT NULL,
                    source TEXT NOT NULL,
                    external_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    account_ref TEXT,
                    account_id TEXT,
                    name TEXT NOT NULL,
                    status TEXT,
                    priority TEXT,
                    owner TEXT,
                    due TEXT,
                    amount TEXT,
                    email TEXT,
                    phone TEXT,
                    role TEXT,
                    body TEXT,
                    import_id TEXT NOT NULL,
                    file TEXT NOT NULL,
                    row_number BIGINT NOT NULL,
                    imported_at BIGINT NOT NULL,
                    PRIMARY KEY (organization_id, source, external_id)
                )
                """,
                "CREATE INDEX imported_records_by_account ON imported_records (account_id)",
            ]),
        Migration(
            version: 33, name: "where a handover's pre-filled fields came from",
            statements: [
                // JSON beside the content it describes: written and read with the handover, never queried.
                "ALTER TABLE handovers ADD COLUMN prefill TEXT"
            ]),
        // Insight (Docs/Insight.md): each organization's last computed dashboard buckets, one
        // JSON document read whole, and its documentation audit's findings, replaced whole by
        // every refresh and listed by completion time.
        Migration(
            version: 34, name: "quality dashboards and documentation audits",
            statements: [
                """
                CREATE TABLE insight_snapshots (
                    organization_id TEXT PRIMARY KEY REFERENCES organizations(id),
                    computed_at BIGINT NOT NULL,
                    snapshot TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE documentation_findings (
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    handover_id TEXT NOT NULL REFERENCES handovers(id),
                    position INTEGER NOT NULL,
                    account_id TEXT NOT NULL,
                    template_key TEXT NOT NULL,
                    transferor_id TEXT NOT NULL,
                    recipient_id TEXT NOT NULL,
                    completed_at BIGINT NOT NULL,
                    rule TEXT NOT NULL,
                    path TEXT,
                    detail TEXT NOT NULL,
                    PRIMARY KEY (organization_id, handover_id, position)
                )
                """,
                "CREATE INDEX documentation_findings_by_completion ON documentation_findings (organization_id, completed_at)",
            ]),
        // The risk model's outcomes and fits (Docs/Risks.md): escalations and churn recorded on an
        // account, and each organization's last fit (the model as JSON, or why there is none).
        Migration(
            version: 35, name: "account outcomes and risk models",
            statements: [
                """
                CREATE TABLE account_outcomes (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    account_id TEXT NOT NULL REFERENCES accounts(id),
                    kind TEXT NOT NULL CHECK (kind IN ('escalation', 'churn')),
                    occurred_on TEXT NOT NULL,
                    note TEXT,
                    recorded_by TEXT NOT NULL REFERENCES members(id),
                    recorded_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX account_outcomes_by_account ON account_outcomes (organization_id, account_id, occurred_on)",
                """
                CREATE TABLE risk_models (
                    organization_id TEXT PRIMARY KEY REFERENCES organizations(id),
                    fitted_at BIGINT NOT NULL,
                    model TEXT,
                    reason TEXT
                )
                """,
            ]),
    ]

    /// The next-due backfill's name, by which tests find it whatever its number.
    public static let nextDueBackfillName = "fill next_due of older accounts"

    /// Applies every migration not yet recorded, each in one transaction. Safe to call from
    /// several replicas at once: on PostgreSQL an advisory lock makes them take turns, and on
    /// SQLite `BEGIN IMMEDIATE` does.
    /// - Returns: the versions applied now.
    @discardableResult
    public static func apply(to database: Database, migrations: [Migration] = Migrations.all) async throws -> [Int] {
        var applied: [Int] = []
        for migration in migrations.sorted(by: { $0.version < $1.version }) {
            let didApply = try await database.transaction(foreignKeysOff: database.engine == .sqlite && migration.rebuildsTables) { db in
                if database.engine == .postgres {
                    // Serialize concurrent start-ups of several replicas (even CREATE TABLE IF NOT EXISTS races).
                    try await db.raw("SELECT pg_advisory_xact_lock(4242001)").run()
                }
                try await db.raw(
                    """
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version BIGINT PRIMARY KEY,
                        name TEXT NOT NULL,
                        applied_at BIGINT NOT NULL
                    )
                    """
                ).run()
                let existing = try await db.raw("SELECT version FROM schema_migrations WHERE version = \(bind: migration.version)").first()
                if existing != nil { return false }
                for statement in migration.statements(for: database.engine) {
                    try await db.raw(SQLQueryString(statement)).run()
                }
                try await migration.data?(db)
                if database.engine == .sqlite && migration.rebuildsTables {
                    let broken = try await db.raw("PRAGMA foreign_key_check").all()
                    if !broken.isEmpty { throw StoreError.damaged("migration \(migration.version) would leave \(broken.count) broken references") }
                }
                try await db.raw(
                    """
                    INSERT INTO schema_migrations (version, name, applied_at)
                    VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: Date().millis))
                    """
                ).run()
                return true
            }
            if didApply { applied.append(migration.version) }
        }
        return applied
    }

    /// The versions recorded as applied.
    public static func appliedVersions(in database: Database) async throws -> [Int] {
        try await database.withSession { db in
            try await db.raw("SELECT version FROM schema_migrations ORDER BY version").all().map { try $0.decode(column: "version", as: Int.self) }
        }
    }
}
