import Fleet
import Foundation
import Testing

/// `CommandWaker` with real processes: `python3` HTTP servers, shells that fail, and
/// commands that never become ready.
@Suite struct TierCommandWakerTests {
    static func waker(_ wake: WakeEntry) -> CommandWaker {
        CommandWaker(tierName: "cmd", wake: wake, logger: TierTestSupport.logger, echoOutput: false)
    }

    /// A python HTTP server on `port` answering 200 to every GET.
    static func server(port: Int) -> String {
        "exec python3 -m http.server \(port) --bind 127.0.0.1"
    }

    @Test func aServerCommandBecomesReadyAndStopEndsIt() async throws {
        let port = TierTestSupport.freePort()
        let waker = Self.waker(WakeEntry(command: Self.server(port: port), readyURL: "http://127.0.0.1:\(port)/"))
        let tier = TierTestSupport.tier(waker, hardCap: .seconds(120))
        let lease = try await tier.acquire()
        #expect(lease.wakeDuration != nil)
        let pid = try #require(waker.processID)
        #expect(TierTestSupport.isRunning(pid))
        lease.release()
        await tier.sleep()
        #expect(waker.processID == nil)
        #expect(await TierTestSupport.eventually { !TierTestSupport.isRunning(pid) })
    }

    @Test func aCommandThatExitsFailsAtOnceWithItsStatusAndLastErrorLine() async throws {
        let port = TierTestSupport.freePort()
        let waker = Self.waker(
            WakeEntry(
                command: "echo starting; echo \"cannot open $MODEL_FILE\" >&2; echo 'a later stdout line'; exit 3",
                readyURL: "http://127.0.0.1:\(port)/", environment: ["MODEL_FILE": "/models/big.gguf"]))
        // A hard cap far away: the failure must come from the exit, not from the cap.
        let tier = TierTestSupport.tier(waker, hardCap: .seconds(300))
        do {
            _ = try await tier.acquire()
            Issue.record("the wake should fail")
        } catch let error as FleetError {
            #expect(error == .wakeFailed(tier: "t", reason: "wake command exited with status 3: cannot open /models/big.gguf"))
        }
        #expect(await tier.status().wakeFailures == 1)
        #expect(await TierTestSupport.eventually { await tier.status().state == .asleep })
    }

    @Test func stopKillsTheWholeProcessGroup() async throws {
        let directory = try TierTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let pidFile = directory.appendingPathComponent("grandchild.pid").path
        let port = TierTestSupport.freePort()
        // A grandchild in the background, then the server in the foreground.
        let waker = Self.waker(
            WakeEntry(
                command: "sleep 1000 & echo $! > \(pidFile); \(Self.server(port: port))",
                readyURL: "http://127.0.0.1:\(port)/"))
        try await waker.wake()
        let shell = try #require(waker.processID)
        let grandchild = try #require(Int32(String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(TierTestSupport.isRunning(shell) && TierTestSupport.isRunning(grandchild))
        await waker.stop()
        #expect(await TierTestSupport.eventually { !TierTestSupport.isRunning(shell) })
        #expect(await TierTestSupport.eventually { !TierTestSupport.isRunning(grandchild) })
        await waker.stop()  // nothing left: a no-op
    }

    @Test func aStopCommandIsRunToStopIt() async throws {
        let directory = try TierTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let marker = directory.appendingPathComponent("stopped").path
        let port = TierTestSupport.freePort()
        let waker = Self.waker(
            WakeEntry(
                command: Self.server(port: port), stop: "touch \(marker); kill $(cat \(directory.path)/pid)",
                readyURL: "http://127.0.0.1:\(port)/"))
        try await waker.wake()
        let pid = try #require(waker.processID)
        try String(pid).write(toFile: directory.appendingPathComponent("pid").path, atomically: true, encoding: .utf8)
        await waker.stop()
        #expect(FileManager.default.fileExists(atPath: marker))
        #expect(await TierTestSupport.eventually { !TierTestSupport.isRunning(pid) })
    }

    @Test func aCommandThatIgnoresSIGTERMIsKilled() async throws {
        let port = TierTestSupport.freePort()
        let waker = Self.waker(
            WakeEntry(command: "trap '' TERM; \(Self.server(port: port))", readyURL: "http://127.0.0.1:\(port)/"))
        try await waker.wake()
        let pid = try #require(waker.processID)
        // python inherits the ignored SIGTERM: only the SIGKILL after the grace period ends it.
        await waker.stop()
        #expect(await TierTestSupport.eventually { !TierTestSupport.isRunning(pid) })
    }

    @Test func aCommandThatNeverBecomesReadyIsStoppedAtTheHardCap() async throws {
        let port = TierTestSupport.freePort()
        let directory = try TierTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // The command names its own pid: on a loaded machine the hard cap may pass before a
        // poll of `processID` would see it.
        let pidFile = directory.appendingPathComponent("pid").path
        let waker = Self.waker(WakeEntry(command: "echo $$ > '\(pidFile)'; exec sleep 1000", readyURL: "http://127.0.0.1:\(port)/"))
        let tier = TierTestSupport.tier(waker, budget: .milliseconds(500), hardCap: .seconds(3))
        let result = await Task { try await tier.acquire() }.result
        let error = #expect(throws: FleetError.self) { try result.get() }
        guard case .wakeTimeout(let name, _) = error else {
            Issue.record("expected wakeTimeout, got \(String(describing: error))")
            return
        }
        #expect(name == "t")
        #expect(await TierTestSupport.eventually { await tier.status().state == .asleep })
        if let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            #expect(await TierTestSupport.eventually { !TierTestSupport.isRunning(pid) })
        }
        #expect(await tier.status().hardCapFailures == 1)
    }

    @Test func aCommandThatExitsCleanlyKeepsPollingUntilReady() async throws {
        // A command that starts a daemon and returns, as `docker start` does.
        let port = TierTestSupport.freePort()
        let directory = try TierTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let pidFile = directory.appendingPathComponent("daemon.pid").path
        let waker = Self.waker(
            WakeEntry(
                command: "(sleep 1; \(Self.server(port: port))) > /dev/null 2>&1 & echo $! > \(pidFile); exit 0",
                readyURL: "http://127.0.0.1:\(port)/"))
        let tier = TierTestSupport.tier(waker, hardCap: .seconds(120))
        let lease = try await tier.acquire()
        lease.release()
        let daemon = try #require(Int32(String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(TierTestSupport.isRunning(daemon))
        await tier.shutdown()
        #expect(await TierTestSupport.eventually { !TierTestSupport.isRunning(daemon) }, "the daemon is in the group")
    }
}

/// The guard beside each wake command (what ends the command if the server dies without
/// stopping it; `test_fleet_tiers.py` kills a server with SIGKILL to prove that part).
@Suite struct GroupGuardTests {
    /// Pids of guard shells watching process group `group` (found by their command line).
    static func guards(watching group: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry in
            guard let pid = Int32(entry),
                let raw = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else { return nil }
            let words = raw.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            let isGuard = words.count == 4 && words[1] == "-c" && words[2].contains("kill -TERM") && words[3] == String(group)
            return isGuard ? pid : nil
        }
    }

    @Test func aWakeCommandIsGuardedAndANormalStopLeavesNoGuardBehind() async throws {
        let waker = CommandWaker(
            tierName: "guarded", wake: WakeEntry(command: "exec sleep 600"), logger: TierTestSupport.logger, echoOutput: false)
        try await waker.wake()
        let group = try #require(waker.processID)
        _ = await TierTestSupport.eventually(within: .seconds(5)) { !Self.guards(watching: group).isEmpty }
        #expect(Self.guards(watching: group).count == 1, "one guard per wake command")
        await waker.stop()
        #expect(
            await TierTestSupport.eventually(within: .seconds(5)) { Self.guards(watching: group).isEmpty },
            "the guard exits once its group is stopped")
    }

    /// A wake command that starts a daemon outside its process group (as `docker start` does)
    /// leaves only the stop command able to end it: a waker dropped without `stop()` (what a
    /// dying server amounts to) has its guard run that command.
    @Test func aDroppedWakerHasItsGuardRunTheStopCommand() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("guard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let pidFile = directory.appendingPathComponent("daemon.pid").path
        do {
            let waker = CommandWaker(
                tierName: "daemon",
                wake: WakeEntry(
                    command: "setsid /bin/sh -c 'echo $$ > \(pidFile); exec sleep 600' </dev/null >/dev/null 2>&1 &",
                    stop: "kill $(cat \(pidFile))"),
                logger: TierTestSupport.logger, echoOutput: false)
            try await waker.wake()
            let group = try #require(waker.processID)
            _ = await TierTestSupport.eventually(within: .seconds(5)) { FileManager.default.fileExists(atPath: pidFile) }
            _ = await TierTestSupport.eventually(within: .seconds(5)) { !Self.guards(watching: group).isEmpty }
        }
        let text = try String(contentsOfFile: pidFile, encoding: .utf8)
        let daemon = try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(
            await TierTestSupport.eventually(within: .seconds(15)) { !TierTestSupport.isRunning(daemon) },
            "the guard ran the stop command, which ended the daemon")
    }
}
