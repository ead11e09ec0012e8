import Foundation
import HandoverCore
import Testing

@Suite struct TemplateTests {
    @Test func theSixBuiltInsLoadWithoutProblems() {
        #expect(TemplateLibrary.builtInProblems().isEmpty)
        #expect(Set(TemplateLibrary.builtIns.map(\.key)) == ["customer-account", "isbar", "ipass", "it-offboarding", "shift", "project"])
    }

    @Test func everyFieldCarriesGuidance() {
        for template in TemplateLibrary.builtIns {
            for (path, field) in template.fieldsWithPaths {
                #expect(field.guidance.count >= 20, "\(template.key).\(path) has thin guidance")
            }
        }
    }

    @Test func customerTemplateCoversWhatPractitionersAskFor() throws {
        let template = try #require(TemplateLibrary.builtIn(key: "customer-account"))
        let types = Set(template.fieldsWithPaths.map(\.field.type))
        #expect(types.isSuperset(of: [.contacts, .items, .date, .decisions, .checklist]))
        #expect(template.rules.requireRenewalDate)
        #expect(template.field(at: "renewal.renewalDate")?.required == true)
    }

    @Test func aBadTemplateIsRefusedWithEveryProblemListed() {
        let json = """
            {"key": "Bad Key", "version": 0, "name": "", "summary": "", "accountKinds": [], "synthesisPrompt": "say it",
             "rules": {}, "requiredSignoffs": ["transferor"],
             "sections": [
               {"id": "one", "title": "One", "guidance": "g", "fields": [
                 {"id": "a", "label": "A", "type": "checklist", "required": true, "guidance": "g"},
                 {"id": "a", "label": "", "type": "text", "guidance": "g", "options": ["x"]}]},
               {"id": "one", "title": "Two", "guidance": "", "fields": []}
             ]}
            """
        guard case .failure(let error) = Template.parse(Data(json.utf8)) else {
            Issue.record("a bad template was accepted")
            return
        }
        let paths = Set(error.problems.map(\.path))
        #expect(
            paths.isSuperset(of: [
                "key", "version", "name", "accountKinds", "sections[0].fields[0].options",
                "sections[0].fields[1].id", "sections[0].fields[1].label", "sections[0].fields[1].options",
                "sections[1].id", "sections[1].guidance", "sections[1].fields",
            ]))
    }

    @Test func aTemplateWithAWrongTypeNamesTheField() {
        let json = #"{"key": "x", "version": "one", "name": "X"}"#
        guard case .failure(let error) = Template.parse(Data(json.utf8)) else {
            Issue.record("accepted")
            return
        }
        #expect(error.problems.first?.path == "version")
        #expect(Template.parse(Data("not json".utf8)).failureProblems == [Problem(path: "", message: "not valid JSON")])
    }

    @Test func contentIsCheckedAgainstTheTemplateShape() {
        let template = ContentFixtureTemplate.customer
        var content = HandoverContent()
        content["overview", "summary"] = .number(3)
        content["renewal", "renewalDate"] = .string("2027-02-30")
        content["contacts", "keyContacts"] = .array([.object(["role": .string("CFO")])])
        content["nowhere", "field"] = .string("x")
        content["overview", "madeUp"] = .string("x")
        let problems = template.problems(in: content)
        #expect(Set(problems.map(\.path)) == ["overview.summary", "renewal.renewalDate", "contacts.keyContacts[0].name", "nowhere", "overview.madeUp"])
    }

    @Test func everyExampleOfEveryBuiltInFieldParsesWithItsOwnParser() throws {
        for template in TemplateLibrary.builtIns {
            for (path, field) in template.fieldsWithPaths {
                let parsed = field.parse(field.example, at: path)
                guard case .success(let value) = parsed else {
                    Issue.record("\(template.key).\(path): its example does not parse: \(parsed)")
                    continue
                }
                #expect(value.isFilled, "\(template.key).\(path): its example counts as empty")
            }
            // Pasted whole, the examples leave no finding on a fresh account (so the README's tour can reach a clean lint).
            var content = HandoverContent()
            for (path, field) in template.fieldsWithPaths {
                let parts = path.split(separator: ".").map(String.init)
                content[parts[0], parts[1]] = field.example
            }
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            let account = Account(
                id: "a", organizationID: "o", name: "Acme", kind: template.accountKinds[0], ownerID: "m",
                profile: AccountProfile(renewalDate: CalendarDate("2027-03-31")), createdAt: now, updatedAt: now)
            let report = Lint.report(content: content, template: template, account: account, now: now)
            #expect(report.findings.isEmpty && report.score == 100, "\(template.key): \(report.findings)")
        }
    }

    @Test func aWrongShapeNamesTheKeysExpected() throws {
        let template = ContentFixtureTemplate.customer
        let checklist = try #require(template.field(at: "contacts.warmIntroduction"))
        func problem(_ json: String, _ field: TemplateField = checklist, at path: String = "contacts.warmIntroduction") throws -> Problem? {
            let value = try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
            if case .failure(let problem) = field.parse(value, at: path) { return problem }
            return nil
        }
        #expect(
            try problem(#"["Schedule the introduction call"]"#)
                == Problem(path: "contacts.warmIntroduction[0]", message: "expected an object with keys item, done (and optionally note), got a string"))
        #expect(
            try problem(#"{"item": "x"}"#)
                == Problem(
                    path: "contacts.warmIntroduction", message: "expected a list of objects with keys item, done (and optionally note), got an object"))
        #expect(
            try problem(#"[{"item": "Schedule the introduction call"}]"#)
                == Problem(path: "contacts.warmIntroduction[0].done", message: "is required: each entry is an object with keys item, done (and optionally note)"))
        #expect(try problem(#"[{"item": "Lunch", "done": true}]"#)?.message.contains(#"its entries: "Tell the customer about the change and why""#) == true)
        let contacts = try #require(template.field(at: "contacts.keyContacts"))
        #expect(try problem(#"[{"name": 3}]"#, contacts, at: "contacts.keyContacts")?.path == "contacts.keyContacts[0].name")
        #expect(FieldType.contacts.shape == "a list of objects with keys name (and optionally role, email, phone, preference, notes, owner)")
    }

    @Test func calendarDatesParseOnlyRealDays() {
        #expect(CalendarDate("2028-02-29")?.description == "2028-02-29")
        #expect(CalendarDate("2027-02-29") == nil)
        #expect(CalendarDate("2027-13-01") == nil)
        #expect(CalendarDate("27-01-01") == nil)
        #expect(CalendarDate("2026-12-31")!.days(until: CalendarDate("2027-01-02")!) == 2)
    }
}

enum ContentFixtureTemplate {
    static var customer: Template { TemplateLibrary.builtIn(key: "customer-account")! }
}

extension Result where Failure == TemplateValidationError {
    var failureProblems: [Problem]? {
        if case .failure(let error) = self { return error.problems }
        return nil
    }
}
