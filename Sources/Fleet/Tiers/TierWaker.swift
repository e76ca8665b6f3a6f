/// What wakes a tier and puts it back to sleep: a command that starts a server, models to
/// load into this process, or several of these.
public protocol TierWaker: Sendable {
    /// Returns when the tier is ready to serve. Throws when it cannot be woken; the error's
    /// description becomes the 503's reason. The tier cancels the calling task at its hard cap.
    func wake() async throws
    /// Ends whatever `wake` started (also after a failed or cancelled wake). Never throws;
    /// safe to call when nothing runs.
    func stop() async
    /// Server exit (see the extension's default).
    func shutdown() async
}

extension TierWaker {
    /// Server exit: ends whatever `wake` started now. Wakers that defer their stop (a command
    /// other replicas may still use) stop at once here; the others just stop.
    public func shutdown() async {
        await stop()
    }
}
