/// How a tier's external server is started, checked and stopped.
public struct WakeEntry: Sendable, Equatable {
    /// Run with `/bin/sh -c` in its own process group.
    public var command: String?
    /// Run with `/bin/sh -c` to stop it; without it the group gets SIGTERM, then SIGKILL after 10 s.
    public var stop: String?
    /// `ready_url`: polled with GET every 250 ms; any 2xx means ready. Required with `command`.
    public var readyURL: String?
    /// `env:`: extra variables for `command` and `stop`.
    public var environment: [String: String]

    public init(command: String? = nil, stop: String? = nil, readyURL: String? = nil, environment: [String: String] = [:]) {
        self.command = command
        self.stop = stop
        self.readyURL = readyURL
        self.environment = environment
    }
}
