import Foundation
import HandoverCore
import HandoverServices

/// The pipelines list, a pipeline's board and the journey section of an account's page.
extension WebPages {
    func pipelines(_ viewer: Viewer) async throws -> HTML {
        Self.pipelines(try await services.pipelines.pipelines(by: viewer.member), viewer: viewer)
    }

    static func pipelines(_ list: [Pipeline], viewer: Viewer) -> HTML {
        let items: [HTML] = list.map { pipeline in
            """
            <li><a class="pipeline-link" href="/pipelines/\(pipeline.id)">\(pipeline.name)</a>
            <span class="meta">\(pipeline.stages.map(\.name).joined(separator: " → "))</span></li>
            """
        }
        return Layout(title: "Pipelines", member: viewer.member, csrf: viewer.csrf, current: "pipelines").render(
            """
            <h1>Pipelines</h1>
            <p class="lead">The stages an account passes through, and the template of each hand-off. Admins define them \
            (<code>handover pipeline create</code>).</p>
            \(items.isEmpty ? "<p class=\"empty\">No pipelines yet.</p>" as HTML : "<ul class=\"list\" id=\"pipelines\">\(items)</ul>")
            """)
    }

    func board(_ viewer: Viewer, id: String, ownerID: String?, tag: String?) async throws -> HTML {
        async let boardRead = services.pipelines.board(pipelineID: id, ownerID: ownerID, tag: tag, by: viewer.member)
        async let membersRead = services.members.members(by: viewer.member)
        return Self.board(try await boardRead, members: try await membersRead, viewer: viewer)
    }

    /// Columns are stages (a landmark each, named by the stage), cards are accounts. Wide screens
    /// scroll the columns sideways inside a focusable, labelled region; a phone stacks them.
    static func board(_ board: PipelineBoard, members: [Member], viewer: Viewer) -> HTML {
        let names = Member.namesByID(members)
        let owners: [HTML] = members.filter { $0.role != .auditor }.map { member in
            "<option value=\"\(member.id)\"\(HTML.attribute("selected", board.ownerID == member.id))>\(member.name)</option>"
        }
        let total = board.columns.reduce(0) { $0 + $1.cards.count }
        let columns: [HTML] = board.columns.enumerated().map { index, column in
            let cards: [HTML] = column.cards.map { card in
                let due: HTML = card.nextDue.map { "next due \(Web.day($0))" } ?? "nothing due"
                return """
                    <li class="board-card\(card.overdue ? " overdue-card" : "")" data-account="\(card.accountID)">
                    <a class="account-link" href="/accounts/\(card.accountID)">\(card.name)</a>
                    \(card.overdue ? "<strong class=\"overdue-flag\">Overdue</strong>" as HTML : .empty)
                    <span class="meta">\(names[card.ownerID] ?? "?") · \(card.daysInStage) day\(card.daysInStage == 1 ? "" : "s") in stage · \(due)</span>
                    </li>
                    """
            }
            return """
                <section class="board-column" id="stage-\(column.stage.id)" aria-labelledby="stage-title-\(column.stage.id)">
                <h2 id="stage-title-\(column.stage.id)"><span class="meta">\(index + 1).</span> \(column.stage.name) \
                <span class="count">(\(column.cards.count))</span></h2>
                <p class="meta">Hand-off in: \(column.stage.templateKey)\(column.stage.team.map { " · \($0)" })\
                \(column.stage.defaultOwnerID.map { " · usually \(names[$0] ?? $0)" })</p>
                \(cards.isEmpty ? "<p class=\"empty\">No accounts.</p>" as HTML : "<ul class=\"cards\">\(cards)</ul>")
                </section>
                """
        }
        return Layout(title: board.pipeline.name, member: viewer.member, csrf: viewer.csrf, current: "pipelines").render(
            """
            <p class="breadcrumb"><a href="/pipelines">Pipelines</a></p>
            <h1>\(board.pipeline.name)</h1>
            <form id="board-filters" method="get" action="/pipelines/\(board.pipeline.id)" class="filters" role="search">
            <div class="field"><label for="owner">Owner</label><select id="owner" name="owner"><option value="">Anyone</option>\(owners)</select></div>
            <div class="field"><label for="tag">Tag</label><input type="text" id="tag" name="tag" value="\(board.tag)"></div>
            <button type="submit" id="filter">Filter</button>
            </form>
            <p class="meta" id="board-count">\(total) account\(total == 1 ? "" : "s") · overdue means an open item was due before \(Web.day(board.today))</p>
            <div class="board" id="board" role="region" aria-label="Stages of \(board.pipeline.name)" tabindex="0">\(columns)</div>
            """)
    }

    /// The account's journey: where it stands, who holds it and since when, every move so far.
    static func journeySection(_ journey: AccountJourney?, names: [String: String], forms: HTML) -> HTML {
        guard let journey else { return .empty }
        let now: HTML
        if let placement = journey.placement {
            let pipelineName = journey.pipeline(placement.pipelineID)?.name ?? placement.pipelineID
            let days = StageStay.wholeDays(from: placement.since, to: journey.now)
            now = """
                <p id="journey-now"><strong>\(journey.stageName(placement.stageID, in: placement.pipelineID))</strong> in \
                <a href="/pipelines/\(placement.pipelineID)">\(pipelineName)</a> · held by \(names[journey.account.ownerID] ?? "?") \
                for \(days) day\(days == 1 ? "" : "s") (since \(Web.date(placement.since)))</p>
                """
        } else {
            now = "<p id=\"journey-now\" class=\"empty\">In no pipeline.</p>"
        }
        let pending: HTML =
            journey.pending.map { advance in
                """
                <p class="card" id="journey-pending">A hand-off to <strong>\(journey.stageName(advance.toStageID, in: advance.pipelineID))</strong> is under way: \
                <a class="handover-link" href="/handovers/\(advance.handoverID)">the handover</a>. The account enters the stage when it completes.</p>
                """
            } ?? .empty
        let rows: [HTML] = zip(journey.moves, journey.stays).map { move, stay in
            let how: HTML =
                switch move.kind {
                case .placed: "placed by \(names[move.actorID] ?? "?")"
                case .moved: "moved by \(names[move.actorID] ?? "?")"
                case .handedOff: move.handoverID.map { "<a class=\"handover-link\" href=\"/handovers/\($0)\">hand-off</a>" } ?? "hand-off"
                }
            return """
                <tr><td>\(journey.stageName(move.fromStageID, in: move.pipelineID)) → \(journey.stageName(move.toStageID, in: move.pipelineID))</td>
                <td data-label="Owner">\(move.fromOwnerID == move.toOwnerID ? names[move.toOwnerID] ?? "?" : "\(names[move.fromOwnerID] ?? "?") → \(names[move.toOwnerID] ?? "?")")</td>
                <td data-label="When">\(Web.date(move.at))</td><td data-label="How">\(how)</td>
                <td data-label="Time in stage">\(stay.days) day\(stay.days == 1 ? "" : "s")\(stay.until == nil ? " so far" : "")</td></tr>
                """
        }
        return """
            <section id="journey" aria-labelledby="journey-title" class="packet-section"><h2 id="journey-title">Journey</h2>
            \(now)
            \(pending)
            \(rows.isEmpty ? HTML.empty : """
            <div class="table-wrap"><table id="journey-moves" class="stack"><caption class="visually-hidden">Moves between stages</caption>
            <thead><tr><th scope="col">Stage</th><th scope="col">Owner</th><th scope="col">When</th><th scope="col">How</th><th scope="col">Time in stage</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """)
            \(forms)
            </section>
            """
    }

    /// The forms beside the journey: place or move the account (a select of every pipeline's
    /// stages), and hand it to the next stage.
    static func journeyForms(_ journey: AccountJourney, pipelines: [Pipeline], members: [Member], viewer: Viewer) -> HTML {
        let me = viewer.member
        guard me.role != .auditor else { return .empty }
        let placed = journey.placement != nil
        var html: [HTML] = []
        if PipelineAccess.canPlace(journey.account, alreadyPlaced: placed, actor: me), !pipelines.isEmpty {
            let options: [HTML] = pipelines.flatMap { pipeline in
                pipeline.stages.map { stage in
                    let value = pipeline.id + "/" + stage.id
                    let current = journey.placement.map { $0.pipelineID + "/" + $0.stageID } == value
                    return "<option value=\"\(value)\"\(HTML.attribute("selected", current))>\(pipeline.name): \(stage.name)</option>" as HTML
                }
            }
            html.append(
                """
                <form method="post" action="/accounts/\(journey.account.id)/stage" id="place-form" class="inline">\(CSRF.field(viewer.csrf))
                <div class="field"><label for="stage">\(placed ? "Move directly to" : "Place at")</label><select id="stage" name="stage">\(options)</select></div>
                <button type="submit" class="secondary" id="place">\(placed ? "Move" : "Place")</button></form>
                """)
        }
        if let placement = journey.placement, journey.pending == nil,
            let pipeline = pipelines.first(where: { $0.id == placement.pipelineID }), let next = pipeline.stage(after: placement.stageID)
        {
            let recipients: [HTML] = members.filter { $0.role != .auditor && $0.id != journey.account.ownerID }.map { member in
                "<option value=\"\(member.id)\"\(HTML.attribute("selected", member.id == next.defaultOwnerID))>\(member.name)</option>"
            }
            html.append(
                """
                <form method="post" action="/accounts/\(journey.account.id)/advance" id="advance-form" class="inline">\(CSRF.field(viewer.csrf))
                <div class="field"><label for="recipient">Hand off to \(next.name), to</label><select id="recipient" name="recipient">\(recipients)</select></div>
                <button type="submit" id="advance">Start the hand-off</button>
                <p class="hint">A handover on the \(next.templateKey) template; the account enters \(next.name) when it completes.</p></form>
                """)
        }
        return HTML(unsafe: html.map(\.description).joined(separator: "\n"))
    }
}
