import ArgumentParser
import Foundation

@main
struct HandoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handover",
        abstract: "Pass responsibility for an account from one person to another, without losing context.",
        discussion: """
            Run a server with 'handover serve --demo', sign in with 'handover login', then:
              handover accounts list              see accounts
              handover new --account ID --to EMAIL --template customer-account
              handover edit ID --set overview.summary="…"
              handover lint ID                    what is missing
              handover submit ID                  send it to the recipient
              handover ack ID --synthesis "…"     (recipient) accept, in your own words
              handover key new                    create your signing key (once per machine)
              handover sign ID                    sign off: transferor after submitting, recipient after acknowledging
              handover complete ID                move the account to the recipient
              handover certificate ID -o c.json   the certificate of completion; 'handover audit verify c.json'
            Every client command takes --format json for scripts.
            """,
        subcommands: [
            Serve.self, Admin.self, Login.self, Logout.self, WhoAmI.self,
            Accounts.self, Members.self, Templates.self,
            ListHandovers.self, New.self, Show.self, Edit.self, LintCommand.self,
            Submit.self, Ask.self, Questions.self, Acknowledge.self, Key.self, Sign.self, Signoffs.self, Complete.self, Certificate.self, Return.self, Revise.self,
            Cancel.self, Verify.self,
            Close.self, History.self,
            Audit.self, Jobs.self,
        ]
    )
}
