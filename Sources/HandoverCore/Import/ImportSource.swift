import Foundation

/// What an imported row is, whatever system it came from: pre-filled packets and risk flags read
/// these five, never a vendor's own names.
public enum ImportKind: String, Sendable, Hashable, Codable, CaseIterable {
    case company, contact, deal, task, ticket
}

/// One known export shape: a system's export of one object (Salesforce cases, Jira issues), how
/// to recognize it from its header row, and which of its columns to suggest for each field.
public struct ImportSource: Sendable, Hashable, Identifiable {
    /// `system.object`, as stored with every row it imports ("zendesk.ticket").
    public var id: String
    public var label: String
    public var kind: ImportKind
    /// Header sets (normalized, `ImportHeaders.normalize`) that identify it, one per export
    /// flavour (a CSV export and the API's JSON name their columns differently).
    var signatures: [[String]]
    /// For each field, the columns to suggest, best first; each alternative is one column or
    /// several joined with a space (first and last name).
    var suggestions: [ImportField: [[String]]]

    public var system: String { String(id.prefix { $0 != "." }) }

    /// The exports people actually have (Docs/Imports.md lists their headers).
    public static let all: [ImportSource] = [
        ImportSource(
            id: "salesforce.account", label: "Salesforce accounts", kind: .company,
            signatures: [["id", "name", "type", "industry", "billingcity", "ownerid"]],
            suggestions: [.externalID: [["id"]], .name: [["name"]], .account: [["name"]], .owner: [["ownerid"]], .phone: [["phone"]], .body: [["description"]]]),
        ImportSource(
            id: "salesforce.contact", label: "Salesforce contacts", kind: .contact,
            signatures: [["id", "accountid", "firstname", "lastname", "email", "title"]],
            suggestions: [
                .externalID: [["id"]], .account: [["accountid"]], .name: [["name"], ["firstname", "lastname"]], .email: [["email"]],
                .phone: [["phone"], ["mobilephone"]], .role: [["title"]], .owner: [["ownerid"]],
            ]),
        ImportSource(
            id: "salesforce.opportunity", label: "Salesforce opportunities", kind: .deal,
            signatures: [["id", "accountid", "name", "stagename", "closedate", "amount"]],
            suggestions: [
                .externalID: [["id"]], .account: [["accountid"]], .name: [["name"]], .status: [["stagename"]], .due: [["closedate"]],
                .amount: [["amount"]], .owner: [["ownerid"]], .body: [["description"]],
            ]),
        ImportSource(
            id: "salesforce.task", label: "Salesforce tasks", kind: .task,
            signatures: [["id", "subject", "activitydate", "status", "priority", "whatid"]],
            suggestions: [
                .externalID: [["id"]], .account: [["accountid"], ["whatid"]], .name: [["subject"]], .status: [["status"]],
                .priority: [["priority"]], .due: [["activitydate"]], .owner: [["ownerid"]], .body: [["description"]],
            ]),
        ImportSource(
            id: "salesforce.case", label: "Salesforce cases", kind: .ticket,
            signatures: [["id", "casenumber", "accountid", "status", "subject", "priority"]],
            suggestions: [
                .externalID: [["id"]], .account: [["accountid"]], .name: [["subject"]], .status: [["status"]], .priority: [["priority"]],
                .owner: [["ownerid"]], .body: [["description"]],
            ]),
        ImportSource(
            id: "hubspot.company", label: "HubSpot companies", kind: .company,
            signatures: [["recordid", "companyname", "companyowner", "companydomainname", "industry"]],
            suggestions: [
                .externalID: [["recordid"]], .name: [["companyname"]], .account: [["companyname"]], .owner: [["companyowner"]],
                .phone: [["phonenumber"]], .body: [["description"]],
            ]),
        ImportSource(
            id: "hubspot.contact", label: "HubSpot contacts", kind: .contact,
            signatures: [["recordid", "firstname", "lastname", "email", "contactowner", "associatedcompany"]],
            suggestions: [
                .externalID: [["recordid"]], .account: [["associatedcompany"], ["companyname"]], .name: [["firstname", "lastname"]],
                .email: [["email"]], .phone: [["phonenumber"]], .role: [["jobtitle"]], .owner: [["contactowner"]],
            ]),
        ImportSource(
            id: "hubspot.deal", label: "HubSpot deals", kind: .deal,
            signatures: [["recordid", "dealname", "dealstage", "closedate", "dealowner", "amount"]],
            suggestions: [
                .externalID: [["recordid"]], .account: [["associatedcompany"], ["companyname"]], .name: [["dealname"]],
                .status: [["dealstage"]], .due: [["closedate"]], .amount: [["amount"]], .owner: [["dealowner"]], .body: [["dealdescription"]],
            ]),
        ImportSource(
            id: "hubspot.ticket", label: "HubSpot tickets", kind: .ticket,
            signatures: [["ticketid", "ticketname", "ticketstatus", "priority", "ticketowner"]],
            suggestions: [
                .externalID: [["ticketid"], ["recordid"]], .account: [["associatedcompany"], ["companyname"]], .name: [["ticketname"]],
                .status: [["ticketstatus"]], .priority: [["priority"]], .owner: [["ticketowner"]], .body: [["ticketdescription"], ["description"]],
            ]),
        ImportSource(
            id: "zendesk.ticket", label: "Zendesk tickets", kind: .ticket,
            signatures: [
                ["id", "requester", "assignee", "subject", "status", "priority", "organization"],
                ["id", "subject", "status", "priority", "requesterid", "assigneeid", "organizationid"],
            ],
            suggestions: [
                .externalID: [["id"]], .account: [["organization"], ["organizationid"]], .name: [["subject"]], .status: [["status"]],
                .priority: [["priority"]], .owner: [["assignee"], ["assigneeid"]], .due: [["duedate"], ["dueat"]], .body: [["description"]],
            ]),
        ImportSource(
            id: "jira.issue", label: "Jira issues", kind: .task,
            signatures: [
                ["summary", "issuekey", "issueid", "issuetype", "status", "priority", "assignee"],
                ["key", "fieldssummary", "fieldsstatusname", "fieldsissuetypename"],
            ],
            suggestions: [
                .externalID: [["issuekey"], ["key"]],
                .account: [["customer"], ["fieldscustomer"], ["organizations"], ["projectname"], ["fieldsprojectname"]],
                .name: [["summary"], ["fieldssummary"]], .status: [["status"], ["fieldsstatusname"]],
                .priority: [["priority"], ["fieldspriorityname"]],
                .owner: [["assignee"], ["fieldsassigneeemailaddress"], ["fieldsassigneedisplayname"]], .due: [["duedate"], ["fieldsduedate"]],
                .body: [["description"], ["fieldsdescription"]],
            ]),
    ]

    public static func named(_ id: String) -> ImportSource? { all.first { $0.id == id } }

    /// The source whose signature the headers match best, if at least 60% of one: a close
    /// match is still suggested (exports drop columns), a stranger's file is not guessed at.
    public static func recognize(headers: [String]) -> ImportSource? {
        let present = Set(headers.map(ImportHeaders.normalize))
        var best: (source: ImportSource, score: Double)?
        for source in all {
            for signature in source.signatures {
                let score = Double(signature.filter(present.contains).count) / Double(signature.count)
                if score >= 0.6, score > (best?.score ?? 0) { best = (source, score) }
            }
        }
        return best?.source
    }

    /// The suggested mapping for these headers: for each field, the first alternative whose
    /// columns are all present, by the header's own spelling.
    public func suggestedMapping(headers: [String]) -> ImportMapping {
        var byNormal: [String: String] = [:]
        for header in headers where byNormal[ImportHeaders.normalize(header)] == nil { byNormal[ImportHeaders.normalize(header)] = header }
        var columns: [ImportField: [String]] = [:]
        for field in ImportField.allCases {
            for alternative in suggestions[field] ?? [] {
                let found = alternative.compactMap { byNormal[$0] }
                if found.count == alternative.count {
                    columns[field] = found
                    break
                }
            }
        }
        return ImportMapping(columns: columns)
    }
}

/// Header spellings compared the way people write them: "Record ID", "record_id" and
/// "fields.status.name" become "recordid", "recordid" and "fieldsstatusname".
public enum ImportHeaders {
    public static func normalize(_ header: String) -> String {
        String(String.UnicodeScalarView(header.lowercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }))
    }
}
