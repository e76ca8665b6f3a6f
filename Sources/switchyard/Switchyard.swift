import ArgumentParser

/// The `switchyard` command: one executable for the server and the migration kit.
@main
struct Switchyard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchyard",
        abstract: "An OpenAI-compatible inference server and migration kit.",
        subcommands: [
            // One line per command; each command lives in Commands/<Name>Command.swift.
            PullCommand.self,
            TokenizeCommand.self,
            RunCommand.self,
            EngineBenchCommand.self,
            KernelBenchCommand.self,
            ServeCommand.self,
            ServeBenchCommand.self,
            SmokeCommand.self,
            ProbeCommand.self,
            GoldenCommand.self,
            BenchCommand.self,
            AuditCommand.self,
            KeysCommand.self,
            UsageCommand.self,
        ]
    )
}
