#!/usr/bin/env python3
# Writes Tests/data/credential-corpus.tsv: fake credentials in the shapes providers document, and lines
# that only talk about credentials. A fixed seed, so the file is reproducible; edit this, then run it.
import random, string, base64, uuid, json
from pathlib import Path
R = random.Random(20261203)
U, L, D = string.ascii_uppercase, string.ascii_lowercase, string.digits
AN = U + L + D
def rs(n, alphabet=AN): return ''.join(R.choice(alphabet) for _ in range(n))
def hexs(n): return rs(n, '0123456789abcdef')
def b64(n): return rs(n, AN + '+/')
def b64u(n): return rs(n, AN + '-_')
def pw():
    words = ['Summer', 'Winter', 'Acme', 'Dragon', 'Monkey', 'Sunshine', 'Welcome', 'Ocelot', 'Tiger', 'Harbor', 'Maple', 'Falcon']
    style = R.randrange(5)
    if style == 0: return R.choice(words) + str(R.randrange(10, 2030)) + R.choice('!@#$%&*?')
    if style == 1: return rs(R.randrange(10, 18), AN + '!@#$%^&*')
    if style == 2: return R.choice(words).lower() + R.choice(['_', '.', '-']) + R.choice(words).lower() + str(R.randrange(1, 99))
    if style == 3: return 'P@ssw0rd' + str(R.randrange(1, 99))
    return R.choice(words)[0].upper() + rs(3, L) + R.choice('0123456789') + R.choice('!#%') + rs(4, L + D)
def user(): return R.choice(['admin', 'root', 'svc_backup', 'deploy', 'jsmith', 'ops', 'priya.k', 'sa', 'postgres', 'app'])
def host(): return R.choice(['db.internal', 'prod-db-01.acme.local', '10.0.4.17', 'crm.initech.com', 'sftp.globex.net', 'mq.internal:5672', 'cache-1:6379'])
def word(): return R.choice(['legacy', 'billing', 'prod', 'staging', 'reporting', 'backup', 'CRM', 'payroll'])

pos = []  # (kind, text)
def P(kind, text): pos.append((kind, text))

for _ in range(8): P('private key', f"-----BEGIN {R.choice(['RSA ', 'EC ', 'OPENSSH ', 'DSA ', 'ENCRYPTED ', ''])}PRIVATE KEY-----\n{b64(64)}\n{b64(64)}")
for _ in range(2): P('private key', f"-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n{b64(64)}")
for _ in range(2): P('private key', f'"private_key": "-----BEGIN PRIVATE KEY-----\\n{b64(40)}\\n-----END PRIVATE KEY-----\\n"')
for _ in range(2): P('private key', f"PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\nPrivate-Lines: 14\n{b64(64)}")
for p in ['AKIA', 'ASIA', 'AKIA', 'AKIA']:
    k = p + rs(16, U + D)
    P('AWS access key', R.choice([f"{k}", f"aws key {k}", f"Access key ID: {k}", f"aws_access_key_id = {k}", f"use {k} for the S3 sync"]))
for _ in range(6):
    P('AWS secret key', R.choice([f"aws_secret_access_key = {b64(40)}", f"AWS_SECRET_ACCESS_KEY={b64(40)}", f"Secret access key: {b64(40)}", f"export AWS_SECRET_ACCESS_KEY=\"{b64(40)}\""]))
for _ in range(5): P('Google API key', R.choice(["", "maps key ", "GOOGLE_API_KEY=", "Firebase web key: "]) + 'AIza' + rs(35, AN + '-_'))
for _ in range(3): P('Google OAuth secret', f"client_secret: GOCSPX-{b64u(28)}")
for _ in range(2): P('Google OAuth token', f"ya29.{b64u(120)}")
for _ in range(4):
    P('Azure storage key', f"DefaultEndpointsProtocol=https;AccountName={rs(8, L)}store;AccountKey={b64(86)}==;EndpointSuffix=core.windows.net")
for _ in range(3):
    P('Azure SAS', f"https://{rs(8, L)}.blob.core.windows.net/backups?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2027-01-01T00:00:00Z&sig={b64(43)}%3D")
for _ in range(3):
    P('Azure client secret', R.choice(["client secret ", "AZURE_CLIENT_SECRET=", "app registration secret: "]) + rs(3, AN) + '8Q~' + rs(34, AN + '_~.-'))
for _ in range(3):
    P('Azure Service Bus', f"Endpoint=sb://{rs(8, L)}.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={b64(43)}=")
for pre in ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'ghp_']:
    P('GitHub token', R.choice(["", "token ", "GITHUB_TOKEN=", "PAT for the deploy bot: "]) + pre + rs(36))
for _ in range(3): P('GitHub token', "github_pat_" + rs(22) + '_' + rs(59))
for _ in range(4): P('GitLab token', R.choice(["", "gitlab token ", "CI_JOB_TOKEN override: ", "GITLAB_TOKEN="]) + 'glpat-' + b64u(20))
for pre in ['xoxb-', 'xoxp-', 'xoxa-', 'xoxb-']:
    P('Slack token', R.choice(["", "slack bot token ", "SLACK_BOT_TOKEN="]) + pre + rs(12, D) + '-' + rs(12, D) + '-' + rs(24))
for _ in range(3): P('Slack webhook', f"https://hooks.slack.com/services/T{rs(8, U + D)}/B{rs(10, U + D)}/{rs(24)}")
for _ in range(2): P('Discord webhook', f"https://discord.com/api/webhooks/{rs(18, D)}/{b64u(68)}")
for pre in ['sk_live_', 'rk_live_', 'sk_test_', 'sk_live_']:
    P('Stripe key', R.choice(["", "stripe secret ", "STRIPE_SECRET_KEY="]) + pre + rs(R.randrange(24, 99)))
for _ in range(2): P('Stripe webhook secret', "whsec_" + rs(32))
for _ in range(3): P('Twilio key', R.choice(["twilio api key SK", "TWILIO_API_KEY=SK", "SK"]) + hexs(32))
for _ in range(3): P('Twilio token', R.choice(["TWILIO_AUTH_TOKEN=", "Twilio auth token: ", "twilio token "]) + hexs(32))
for _ in range(4): P('SendGrid key', R.choice(["", "SENDGRID_API_KEY=", "sendgrid: "]) + 'SG.' + b64u(22) + '.' + b64u(43))
for _ in range(3): P('Mailgun key', R.choice(["", "mailgun ", "MAILGUN_API_KEY="]) + 'key-' + hexs(32))
for _ in range(3): P('Mailchimp key', R.choice(["mailchimp ", "MAILCHIMP_KEY="]) + hexs(32) + '-us' + str(R.randrange(1, 21)))
for _ in range(4): P('npm token', R.choice(["", "//registry.npmjs.org/:_authToken=", "NPM_TOKEN="]) + 'npm_' + rs(36))
for _ in range(3): P('PyPI token', R.choice(["", "TWINE_PASSWORD=", "password = "]) + 'pypi-AgEIcHlwaS5vcmc' + b64u(60))
for _ in range(4): P('OpenAI key', R.choice(["", "OPENAI_API_KEY=", "openai: "]) + R.choice(['sk-', 'sk-proj-']) + rs(48))
for _ in range(3): P('Anthropic key', R.choice(["", "ANTHROPIC_API_KEY="]) + 'sk-ant-api03-' + b64u(93) + 'AA')
for pre in ['shpat_', 'shpss_', 'shpca_']: P('Shopify token', pre + hexs(32))
for _ in range(3): P('Atlassian token', R.choice(["jira token ", "ATLASSIAN_API_TOKEN=", "confluence api token: "]) + 'ATATT3xFfGF0' + b64u(170) + '=' + hexs(8).upper())
for _ in range(3): P('DigitalOcean token', R.choice(["", "DIGITALOCEAN_TOKEN="]) + 'dop_v1_' + hexs(64))
for _ in range(2): P('Heroku key', R.choice(["HEROKU_API_KEY=", "heroku api key: "]) + str(uuid.UUID(int=R.getrandbits(128))))
for _ in range(3): P('Datadog key', R.choice(["DD_API_KEY=", "datadog api key ", "DD_APP_KEY="]) + hexs(R.choice([32, 40])))
for _ in range(2): P('New Relic key', "NRAK-" + rs(27, U + D))
for _ in range(2): P('Hugging Face token', "hf_" + rs(34, L + U))
for _ in range(2): P('Doppler token', "dp.st.prd." + rs(43))
for _ in range(2): P('Vault token', R.choice(["VAULT_TOKEN=", "vault login "]) + 'hvs.' + b64u(90))
for _ in range(2): P('Telegram bot token', f"bot token {rs(10, D)}:AA{b64u(33)}")
for _ in range(2): P('Square token', "EAAA" + b64u(60))
for _ in range(2): P('Linear key', "lin_api_" + rs(40))
for _ in range(2): P('Postman key', "PMAK-" + hexs(24) + '-' + hexs(34))
for _ in range(2): P('Grafana token', "glsa_" + rs(32) + '_' + hexs(8))
for _ in range(2): P('Databricks token', "dapi" + hexs(32))
for _ in range(2): P('Age secret key', "AGE-SECRET-KEY-1" + rs(58, U + D))
for _ in range(6):
    h = b64u(36); p = b64u(R.randrange(40, 90)); s = b64u(43)
    P('JSON web token', R.choice(["", "Authorization: Bearer ", "id_token=", "session jwt "]) + 'eyJ' + h + '.eyJ' + p + '.' + s)
for _ in range(6): P('bearer token', R.choice(["Authorization: Bearer ", "curl -H 'Authorization: Bearer ", "-H \"Authorization: Token "]) + rs(R.randrange(24, 48)))
for _ in range(5):
    cred = base64.b64encode(f"{user()}:{pw()}".encode()).decode()
    P('basic auth', R.choice(["Authorization: Basic ", "-H 'Authorization: Basic ", "basic auth header: Basic "]) + cred)
for scheme in ['postgres', 'postgresql', 'mysql', 'mongodb+srv', 'redis', 'amqp', 'https', 'ftp', 'sftp', 'smtp', 'mssql', 'http']:
    P('credentials in a URL', R.choice(["", "connect to ", "DATABASE_URL=", "the feed is at ", "broker: "]) + f"{scheme}://{user()}:{pw()}@{host()}/{word().lower()}")
for _ in range(3): P('credentials in a URL', f"git clone https://{user()}:{rs(20)}@git.acme.local/ops/infra.git")
for _ in range(5):
    P('connection string', R.choice([
        f"Server={host()};Database=Payroll;User Id={user()};Password={pw()};",
        f"Data Source={host()};Initial Catalog=CRM;User ID={user()};Password={pw()}",
        f"jdbc:mysql://{host()}:3306/app?user={user()}&password={pw()}",
        f"Host={host()};Username={user()};Password={pw()};Database=app",
        f"Provider=SQLOLEDB;Data Source={host()};UID={user()};PWD={pw()}"]))
# Command lines
for _ in range(3): P('password on a command line', f"mysql -u {user()} -p{pw()} -h {host()}")
for _ in range(2): P('password on a command line', f"sshpass -p '{pw()}' ssh {user()}@{host()}")
for _ in range(3): P('password on a command line', f"curl -u {user()}:{pw()} https://{host()}/api/export")
for _ in range(2): P('password on a command line', f"docker login -u {user()} -p {pw()} registry.acme.io")
for _ in range(2): P('password on a command line', f"PGPASSWORD={pw()} psql -h {host()} -U {user()}")
for _ in range(2): P('password on a command line', f"net user {user()} {pw()} /add")
for _ in range(2): P('password on a command line', f"psql \"host={host()} user={user()} password={pw()}\"")
for _ in range(2): P('password on a command line', f"./backup.sh --user {user()} --password={pw()}")
for _ in range(2): P('password on a command line', f"smbclient //fs01/share -U {user()}%{pw()}")
for _ in range(2): P('password on a command line', f"wget --user={user()} --password='{pw()}' https://{host()}/dump.tgz")
# .env / config
for name in ['DB_PASSWORD', 'SECRET_KEY', 'API_TOKEN', 'SMTP_PASS', 'REDIS_PASSWORD', 'JWT_SECRET', 'ADMIN_PASS', 'CLIENT_SECRET', 'ENCRYPTION_KEY', 'WEBHOOK_SECRET', 'MYSQL_ROOT_PASSWORD', 'APP_KEY']:
    P('secret in configuration', f"{name}={R.choice([pw(), rs(32), 'base64:' + b64(44)])}")
for k in ['password', 'secret', 'api_key', 'token', 'client_secret']:
    P('secret in configuration', R.choice([f'"{k}": "{pw() if k == "password" else rs(32)}"', f"{k}: {pw() if k == 'password' else rs(28)}", f"<{k}>{pw()}</{k}>"]))
for _ in range(3): P('secret in configuration', f"spring.datasource.password={pw()}")
for _ in range(2): P('secret in configuration', f"  password: \"{pw()}\"")
for _ in range(2): P('secret in configuration', f"ConvertTo-SecureString '{pw()}' -AsPlainText -Force")
# Passwords in prose
prose = [
    "the password is {p}", "The admin password is {p}", "password: {p}", "Password - {p}", "pw: {p}", "pwd = {p}",
    "pass: {p}", "login is {u} / {p}", "user {u}, password {p}", "creds: {u}/{p}", "credentials are {u}:{p}",
    "username {u} password {p}", "the {w} login: {u} / {p}", "Use {p} as the password", "its password is still {p}",
    "password for the {w} box is {p}", "new password: {p} (changed Tuesday)", "he set the password to {p}",
    "Password is \"{p}\"", "password='{p}'", "the wifi password is {p}", "Wi-Fi: AcmeGuest / {p}",
    "VPN password {p}", "The {w} account password -> {p}", "root pw is {p}", "admin/{p} on the {w} console",
    "login {u} pass {p}", "temp password {p}, must be changed at first login", "password reset to {p}",
    "The shared mailbox password: {p}", "Kennwort: {p}", "contraseña: {p}", "mot de passe : {p}",
    "sa password {p}", "Passwort lautet {p}", "Oracle SYS password: {p}", "PW {p}",
]
for t in prose: P('password', t.format(p=pw(), u=user(), w=word()))
for t in prose[:22]: P('password', t.format(p=pw(), u=user(), w=word()))
pass_phr = ["correct horse battery staple", "purple monkey dishwasher", "the quick brown fox jumps", "blue tiger eats red apples"]
for ph in pass_phr:
    P('passphrase', R.choice(["passphrase: ", "the passphrase is \"", "key passphrase = "]) + ph + R.choice(['', '"', '']))
pins = ["PIN 4821", "pin: 0719", "the PIN is 5532", "badge PIN 8804", "SIM PIN 1234, PUK 88231945", "door code 4417#",
        "the alarm code is 2580", "gate code: 7731", "safe combination 12-34-56", "keypad code is 9904", "phone unlock PIN: 246810",
        "voicemail PIN 3310", "the lockbox code is 6262", "card PIN is 7708", "Server room door: 1357*", "PIN for the token: 559102"]
for t in pins: P('PIN or code', t)
for _ in range(6):
    P('secret near a credential word', R.choice(["token: ", "secret = ", "api key ", "access token is ", "auth token: ", "signing secret: ", "webhook secret ", "license key: ", "session cookie: sid=", "recovery code: "]) + R.choice([rs(32), hexs(40), b64u(43), '-'.join(rs(5, U + D) for _ in range(5))]))
for _ in range(4): P('recovery codes', "recovery codes: " + ' '.join(f"{hexs(4)}-{hexs(4)}" for _ in range(4)))
for _ in range(3): P('TOTP seed', R.choice(["TOTP seed: ", "2FA secret ", "otpauth://totp/Acme:ops?secret="]) + rs(32, U + '234567'))

neg = []
def N(text): neg.append(text)
neg_lines = [
    "Rotate the database password after Tom leaves.", "The password is stored in 1Password under 'Acme prod'.",
    "API key: see the vault entry acme/stripe.", "Ask IT for the VPN PIN.", "password: (sealed)", "password: <redacted>",
    "password: ********", "token: see vault", "PIN: ask Priya", "Change the PIN on the badge reader next week.",
    "Use 'handover secret open' to read the key.", "The secret to this account is patience.", "Key contacts: Priya (CFO) and Omar (IT).",
    "The admin account uses SSO; there is no password.", "Reset the password via https://portal.example.com/reset",
    "Passwords must be at least 12 characters.", "password is required for the SFTP drop", "The password is not shared here.",
    "The PIN is on the back of the badge.", "We reset the password last week", "They use an API key rotation policy",
    "Passwords live in the vault", "Their API key expires on 1 March; ask them to generate a new one.",
    "The token was revoked on Friday.", "Secrets are sealed to the recipient in Handover.", "Remember to rotate every shared credential.",
    "The key risk is the renewal in March.", "Key dates: kickoff 4 Feb, go-live 1 April.", "Password manager: Bitwarden, collection 'Ops'.",
    "The CFO forgot her password twice this quarter.", "password policy: 90 days, no reuse", "MFA is enforced for all admin logins.",
    "SSH keys are managed by Terraform; no keys in the packet.", "Client secret lives in Azure Key Vault 'kv-prod'.",
    "The token bucket limits them to 100 requests per minute.", "Their access token lifetime is one hour.",
    "The login page is https://crm.initech.com/login", "Connect to postgres://db.internal:5432/app with your own account.",
    "Use https://user@example.com/path for the docs.", "The server listens on https://10.0.4.17:8443/", "Git remote: git@github.com:acme/infra.git",
    "Deployed commit 9fceb02d0ae598e95dc970b74767f19372d61af8 on Monday.", "Invoice INV-2026-00481 is overdue.",
    "Order 7f3c2a9e-1b4d-4e8f-9a6b-2c5d8e1f0a3b shipped late.", "The PIN pad in reception is broken.",
    "pin the dependency to 2.4.1", "Pinned the incident summary in #acme-support.", "The secret sauce is their onboarding team.",
    "A password reset email goes to the account owner.", "passwords: rotated on 2 Dec by Omar", "password: rotated, see ticket OPS-1182",
    "The API key field in their portal is blank.", "Access token scopes: read:orders, write:tickets.",
    "Tokens are issued per integration; list them with 'handover token list'.", "password expired - they need a new one from IT",
    "The door code changes monthly; ask facilities.", "The alarm code is with the office manager.", "Recovery codes were printed and stored in the safe.",
    "The Wi-Fi password is on the whiteboard in the kitchen.", "credentials: in the sealed secret 'CRM admin'", "username: jsmith (SSO)",
    "User: ops@acme.com", "The key ring has 4 keys: front door, server room, cabinet, bike shed.", "Keys returned: 2 of 3.",
    "token: n/a", "password: none", "password: unknown", "secret: TBD", "api key: pending", "PIN: not set", "password: same as before",
    "password: see above", "Token: ask Rita", "password: ask the previous owner", "Password = in the vault", "pwd: (in 1Password)",
    "The session secret is rotated by the deploy job.", "Their webhook secret is configured in the dashboard.",
    "The license key is registered to Acme Ltd.", "Recovery code count: 8 remaining.", "TOTP is set up for the admin accounts.",
    "Bearer tokens are required for the export API.", "Basic auth is disabled on the new endpoint.", "Authorization header is added by the proxy.",
    "The JWT expires after 15 minutes.", "AKIA keys are banned by policy; use roles.", "Never paste keys that start with sk_live into tickets.",
    "ghp_ tokens must be fine-grained from now on.", "-----BEGIN CERTIFICATE-----\nMIIB...public cert only", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG public key of the deploy bot",
    "Public key fingerprint: SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8", "Their support PIN for phone verification is kept by the account owner.",
    "The password field in the CSV export is empty.", "Pass the report to Omar by Friday.", "She passed the audit with no findings.",
    "Secret Santa budget is $25.", "Top secret project codename: Bluebird (not sensitive).", "The key account manager is Priya.",
    "Key: red = overdue, green = done.", "token ring network in the old warehouse", "Tokens of appreciation were sent to the team.",
    "Credential stuffing attempts were blocked in May.", "We rotate the signing key every 90 days.", "Their passkey rollout starts in Q3.",
    "Login issues are tracked in ZD-40122.", "Two-factor codes are sent by SMS today; moving to an app.", "Use the break-glass account only with approval.",
    "PIN entry devices are replaced under contract.", "Ask for the code word when Priya calls.", "The code review is due Thursday.",
    "Error code 4012 appears when their export runs.", "Their zip code is 94107.", "Phone: +1 415 555 0134", "Account number ends in 4821.",
    "Case 00012345 was closed.", "Hash of the report: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "Build 2026.12.03-1a2b3c4d passed.", "Tracking number 1Z999AA10123456784", "IBAN on file; see the billing system.",
    "The SFTP user is acme_drop; the key is sealed.", "Root access is limited to the on-call engineer.", "sudo is granted via the ops group.",
    "Password complexity was raised to 14 characters in June.", "Password123 is on the banned list.",
    "They asked whether 'Summer2024!' style passwords are allowed: no.", "The secret question feature was removed.",
    "Token budget for the AI assistant: 1M per month.", "API quota: 10,000 calls per day.", "Keycloak realm: acme-prod.",
    "Vault path: secret/data/acme/crm.", "The Stripe account id is acct_1032D82eZvKYlo2C (not a secret).", "The Twilio account SID is in the CRM.",
    "They pay with a corporate card; no card details here.", "Do not email passwords; use the sealed transfer.", "password hint: their first project",
    "Ask the customer to reset their own password.", "The CTO keeps the root password; ask her directly.", "The admin PIN resets after 3 failed attempts.",
    "AWS account 123456789012 is the production account.", "Azure tenant: acme.onmicrosoft.com.", "GCP project: acme-prod-4421.",
    "Slack channel #acme-escalations.", "The webhook URL is https://hooks.acme.io/inbound (no secret in it).", "Endpoint: https://api.acme.io/v2/orders",
    "DSN: postgres://db.internal/app (auth via IAM)", "redis://cache-1:6379/0", "mongodb://mongo-1,mongo-2/app?replicaSet=rs0",
    "amqp://mq.internal:5672/", "ftp://files.acme.io/pub/", "The mail server is smtp://mail.acme.io:587.",
    "Password rotation is overdue for 3 systems.", "Secrets scanning runs on every push.", "Key rotation ticket: SEC-991.",
    "Follows I-PASS: Illness severity, Patient summary, Action list, Situation awareness, Synthesis by receiver.",
    "I-PASS: stable overnight, watch potassium.", "Boarding-pass: gate 12, seat 14C.",
]
for t in neg_lines: N(t)
# Generated negatives: talk with numbers and ids but no secrets.
for _ in range(40): N(R.choice(["Renewal on {d}; {w} team to confirm.", "Ticket {t} is waiting on the customer.", "Call {n} at {h} about the {w} export.",
                                "Meeting moved to {d} at 10:00.", "The {w} report is {k} rows, due {d}.", "Version {v} is deployed to {w}."]).format(
    d=f"{R.randrange(1, 28)} {R.choice(['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun'])} 2027", w=word(), t=f"{R.choice(['OPS', 'SUP', 'ZD'])}-{R.randrange(100, 99999)}",
    n=R.choice(['Priya', 'Omar', 'Jon', 'Rita']), h=f"+44 20 7946 {R.randrange(1000, 9999)}", k=R.randrange(100, 99999), v=f"{R.randrange(1, 9)}.{R.randrange(0, 30)}.{R.randrange(0, 9)}"))
for _ in range(30): N(R.choice(["The {w} password is kept in the vault entry '{w}-{x}'.", "Rotate the {w} API key after the handover (ticket SEC-{n}).",
                                "Ask {p} for the {w} token; it is sealed.", "The {w} secret was rotated on {d}.", "{p} holds the {w} PIN.",
                                "Credentials for {w} are in 1Password, vault '{x}'.", "The {w} login uses SSO with {p} as the owner."]).format(
    w=word(), x=rs(5, L), n=R.randrange(100, 9999), p=R.choice(['Priya', 'Omar', 'Jon', 'Rita', 'IT']), d=f"{R.randrange(1, 28)} Nov 2026"))

for _ in range(200): N(R.choice([
    "Password resets for {w} go through {p}.", "{p} changed the {w} password on {d}; nobody else has it.", "The {w} token expires on {d}.",
    "Their {w} API key is scoped to read-only.", "Remove {p}'s access to {w} after {d}.", "Check that the {w} secret was rotated (SEC-{n}).",
    "The {w} account has MFA; the recovery codes are with {p}.", "PIN changes for {w} need two approvers.", "Keys for the {w} cabinet: {p} has both.",
    "{p} asked for a new {w} login; request OPS-{n} is open.", "The {w} password must not be emailed.", "Ask {p} to share the {w} key through Handover.",
    "Credential review for {w} is booked for {d}.", "The {w} service account is owned by {p}.", "Token for {w} is issued by the CI pipeline, not by hand.",
    "{p} will revoke the old {w} key on {d}.", "Login to {w} with your own account, not the shared one.", "The {w} secret lives in Key Vault; no copy here.",
    "Password for {w}: ask {p}", "The {w} PIN was changed after the incident on {d}.", "API key for {w} is managed by {p} in the vault.",
    ]).format(w=word(), x=rs(5, L), n=R.randrange(100, 9999), p=R.choice(['Priya', 'Omar', 'Jon', 'Rita', 'IT', 'the CFO']), d=f"{R.randrange(1, 28)} {R.choice(['Nov', 'Dec', 'Jan'])} 2026"))

pos = list(dict.fromkeys(pos))
neg = list(dict.fromkeys(neg))

def esc(t): return t.replace('\\', '\\\\').replace('\t', '\\t').replace('\n', '\\n')
with open(Path(__file__).resolve().parent / 'credential-corpus.tsv', 'w') as f:  # beside this script
    f.write("# Labelled lines for CredentialDetector (CredentialCorpusTests). label<TAB>kind<TAB>text; label 1 = a credential,\n")
    f.write("# 0 = talk about credentials with none in it. \\n and \\t are escaped. Every secret here is fake, made by\n")
    f.write("# Tests/data/make-credential-corpus.py (fixed seed) in the shapes the providers document.\n")
    for k, t in pos: f.write(f"1\t{k}\t{esc(t)}\n")
    for t in neg: f.write(f"0\t-\t{esc(t)}\n")
print(f'{len(pos)} credentials, {len(neg)} lines without one')
