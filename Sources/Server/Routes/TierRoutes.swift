import Fleet
import Foundation
import Hummingbird
import OpenAIWire

/// `GET /v1/tiers` (each tier's state and wake times) and `POST /v1/tiers/{name}/sleep` (admin).
struct TierRoutes: Sendable {
    let state: ServingState

    func list(_ request: Request, context: SwitchyardRequestContext) async throws -> Response {
        var tiers: [JSONValue] = []
        for tier in state.catalogue.tiers {
            tiers.append(Self.object(await tier.status()))
        }
        return ResponseHeaders.json(["object": "list", "data": .array(tiers)])
    }

    func sleep(_ request: Request, context: SwitchyardRequestContext) async throws -> Response {
        guard context.isAdmin else {
            throw OpenAIError(
                status: 403, message: "Putting a tier to sleep needs an admin key (`switchyard keys create --admin`, or --admin-key).",
                type: "permission_error", code: "admin_key_required")
        }
        let name = context.parameters.get("name") ?? ""
        guard let tier = state.catalogue.tier(named: name) else {
            throw OpenAIError.notFound("No tier is named '\(name)'.")
        }
        await tier.sleep()
        return ResponseHeaders.json(Self.object(await tier.status()))
    }

    static func object(_ status: TierStatus) -> JSONValue {
        func milliseconds(_ duration: Duration?) -> JSONValue {
            duration.map { .int(Int($0.inMilliseconds.rounded())) } ?? .null
        }
        func seconds(_ duration: Duration?) -> JSONValue {
            duration.map { .double($0.inSeconds) } ?? .null
        }
        return [
            "object": "tier",
            "name": .string(status.name),
            "state": .string(status.state.rawValue),
            "models": .array(status.models.map(JSONValue.string)),
            "in_flight": .int(status.inFlight),
            "last_wake_at": status.lastWake.map { .int(Int($0.timeIntervalSince1970)) } ?? .null,
            "last_wake_ms": milliseconds(status.lastWakeDuration),
            "wakes": .int(status.wakes),
            "wake_ms": ["p50": milliseconds(status.wakeP50), "p90": milliseconds(status.wakeP90), "p99": milliseconds(status.wakeP99)],
            "wake_budget_overruns": .int(status.budgetOverruns),
            "wake_timeouts": .int(status.hardCapFailures),
            "wake_failures": .int(status.wakeFailures),
            "idle_timeout_s": seconds(status.idleTimeout),
            "wake_budget_s": seconds(status.wakeBudget),
            "wake_hard_cap_s": seconds(status.wakeHardCap),
        ]
    }
}
