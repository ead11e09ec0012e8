import ArgumentParser
import Foundation

@main
struct HandoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handover",
        abstract: "Hand an account from one person to another, losing nothing.",
        discussion: """
            Start a server, sign in, then take a handover from draft to completion:

              handover serve --demo                 a server with demo data (own terminal)
              handover login --email tom@demo.handover.dev
              handover accounts list                the accounts you can see
              handover new --account ID --to EMAIL  a draft, on the account kind's template
              handover templates show KEY           each field: type, options, an example
              handover edit ID --interactive        fill it in your editor (or --set …)
              handover lint ID                      what is missing, and the score
              handover submit ID                    send it to the recipient
              handover key new                      your signing key (once per machine)
              handover sign ID                      sign off as the transferor

            Then, as the recipient:

              handover show ID                      read it
              handover ask ID "…"                   ask the transferor ('questions ID')
              handover ack ID --synthesis "…"       accept it, in your own words
              handover sign ID                      sign off as the recipient
              handover complete ID                  the account moves to the recipient
              handover certificate ID -o c.json     the proof; check: audit verify c.json

            After each step the CLI prints what comes next, and for whom.

            Every client command takes --format json for scripts: the result on standard output; an \
            error as an RFC 9457 problem document on standard error, with a non-zero exit status.
            """,
        subcommands: [
            Serve.self, Admin.self, Login.self, Logout.self, WhoAmI.self, Tokens.self,
            Accounts.self, Members.self, Templates.self,
            ListHandovers.self, New.self, Show.self, Edit.self, LintCommand.self,
            Submit.self, Ask.self, Questions.self, Acknowledge.self, Key.self, Sign.self, Signoffs.self, Complete.self, Certificate.self, Return.self, Revise.self,
            Cancel.self, Verify.self,
            Close.self, History.self,
            SecretCommand.self, Audit.self, Jobs.self,
            PhysicalAssetCommand.self, CustodyCommand.self,
            AccessCommand.self,
            Outbox.self,
            BriefingCommand.self, CalendarFeedCommand.self,
            Notifications.self,
            IntroCommand.self, IntroTemplateCommand.self, FollowUpCommand.self,
            PipelineCommand.self,
            Attach.self, Attachments.self, AttachmentCommand.self,
            ImportCommand.self, Imports.self, InsightCommand.self,
            DepartureCommand.self, RealignCommand.self, CoverCommand.self, ShiftCommand.self,
            Webhooks.self,
        ]
    )

    /// ArgumentParser's main, except that under `--format json` an error is a problem document
    /// (`ErrorOutput`). Help, clean exits and explicit exit codes (audit verify's 1 after its JSON
    /// report) pass through untouched.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand { try await command.run() } else { try command.run() }
        } catch {
            if ErrorOutput.wantsJSON(CommandLine.arguments), !(error is ExitCode), !exitCode(for: error).isSuccess {
                ErrorOutput.exit(with: error)
            }
            exit(withError: error)
        }
    }
}
