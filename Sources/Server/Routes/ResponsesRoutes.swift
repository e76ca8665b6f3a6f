import Fleet
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OpenAIWire

/// `POST /v1/responses`, `GET` and `DELETE /v1/responses/{id}`, `GET /v1/responses/{id}/input_items`.
struct ResponsesRoutes: Sendable {
    let state: ServingState

    var store: any ResponseStore { state.accounts.responses }

    /// Who may read what a request stores: the key used (a database key's id, a server key's
    /// slot), or `anonymous` on a server without keys.
    static func owner(_ context: SwitchyardRequestContext) -> String {
        context.apiKey?.id ?? context.client
    }

    static func makeID(_ prefix: String) -> String {
        "\(prefix)_" + RandomID.make(length: 24)
    }

    func create(_ request: Request, context: SwitchyardRequestContext) async throws -> Response {
        let bodyBytes = try await request.body.collect(upTo: state.configuration.maxBodyBytes)
        let turn = try ResponseRequest(body: bodyBytes.readableBytesView, makeID: Self.makeID)
        let owner = Self.owner(context)
        let responseID = Self.makeID("resp")
        let created = ServingState.now
        if case .upstream(let upstream)? = (try? state.catalogue.model(named: turn.model))?.route {
            return try await upstreamResponse(
                turn, upstream: upstream, body: bodyBytes, owner: owner, responseID: responseID, created: created, context: context)
        }
        let history = try await history(before: turn.previousResponseID, owner: owner)
        let chat = ChatCompletionRequest(response: turn, conversation: history + turn.input)
        return try await CompletionEndpoint(state: state, path: "responses").serve(
            model: turn.model, options: turn.options, ignoredFields: turn.ignoredFields, body: bodyBytes, context: context
        ) { admission in
            LocalResponse(
                state: state, admission: admission, turn: turn, chat: chat, owner: owner, responseID: responseID, created: created)
        }
    }

    /// An upstream model: the request as it came when the upstream serves `/v1/responses`
    /// (its own store keeps the chain), else bridged onto its chat completions.
    private func upstreamResponse(
        _ turn: ResponseRequest, upstream: UpstreamBackend, body: ByteBuffer, owner: String, responseID: String, created: Int,
        context: SwitchyardRequestContext
    ) async throws -> Response {
        let admission = try await state.admit(
            model: turn.model, endpoint: "responses", stream: turn.options.stream, maxTokens: turn.options.maxTokens,
            bodyBytes: body.readableBytes, user: turn.options.user, context: context)
        do {
            switch await upstream.responsesMode() {
            case .native:
                // The upstream keeps the chain; we keep who may reach it.
                if let previous = turn.previousResponseID {
                    guard let record = try await store.response(id: previous, owner: owner), UpstreamResponseRecord.isRecord(record) else {
                        throw Self.previousNotFound(previous)
                    }
                }
                let responses = self.store
                let model = turn.model
                let previous = turn.previousResponseID
                var record: (@Sendable (String) async throws -> Void)?
                if turn.store {
                    record = { @Sendable id in
                        try await responses.save(UpstreamResponseRecord.make(id: id, owner: owner, model: model, previousResponseID: previous))
                    }
                }
                return try await UpstreamProxy(state: state, admission: admission, upstream: upstream)
                    .respond(path: "responses", body: body, stream: turn.options.stream, sawResponseID: record)
            case .bridge:
                try state.checkIgnored(turn.ignoredFields)
                let history = try await history(before: turn.previousResponseID, owner: owner)
                let chat = ChatCompletionRequest(response: turn, conversation: history + turn.input)
                return try await UpstreamResponseBridge(
                    state: state, admission: admission, upstream: upstream, turn: turn, chat: chat, owner: owner,
                    responseID: responseID, created: created
                ).respond()
            }
        } catch {
            await admission.accounting.finish(status: ErrorMapping.openAIError(for: error).status)
            throw error
        }
    }

    /// The items of the stored chain ending at `previousID`: each turn's input, then its output.
    func history(before previousID: String?, owner: String) async throws -> [ResponseItem] {
        guard let previousID else { return [] }
        guard let chain = try await store.chain(endingAt: previousID, owner: owner) else { throw Self.previousNotFound(previousID) }
        var items: [ResponseItem] = []
        for response in chain {
            if UpstreamResponseRecord.isRecord(response) {
                throw OpenAIError.invalidValue(
                    "Previous response '\(response.id)' is stored by the upstream of model '\(response.model)'; "
                        + "continue it with that model.", param: "previous_response_id")
            }
            for (index, value) in (response.inputItems + (response.body["output"]?.arrayValue ?? [])).enumerated() {
                do {
                    items.append(try ResponseItem(value, path: "\(response.id).items[\(index)]", makeID: Self.makeID))
                } catch {
                    throw OpenAIError.serverError("The stored response '\(response.id)' cannot be read: \(error)")
                }
            }
        }
        return items
    }

    func get(_ request: Request, context: SwitchyardRequestContext) async throws -> Response {
        let response = try await stored(context)
        if UpstreamResponseRecord.isRecord(response) {
            return ResponseHeaders.json(try await upstreamCall("GET", "responses/\(response.id)", record: response, context: context))
        }
        return ResponseHeaders.json(response.body)
    }

    func delete(_ request: Request, context: SwitchyardRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let owner = Self.owner(context)
        if let record = try await store.response(id: id, owner: owner), UpstreamResponseRecord.isRecord(record) {
            let reply = try await upstreamCall("DELETE", "responses/\(id)", record: record, context: context)
            _ = try await store.deleteResponse(id: id, owner: owner)
            return ResponseHeaders.json(reply)
        }
        guard try await store.deleteResponse(id: id, owner: owner) else { throw Self.notFound(id) }
        return ResponseHeaders.json(["id": .string(id), "object": "response.deleted", "deleted": true])
    }

    /// A stored-response call forwarded to the upstream that keeps the response `record` names.
    private func upstreamCall(
        _ method: String, _ path: String, record: StoredResponse, context: SwitchyardRequestContext
    ) async throws -> JSONValue {
        guard case .upstream(let upstream)? = (try? state.catalogue.model(named: record.model))?.route else {
            throw OpenAIError(
                status: 404, message: "Response '\(record.id)' is stored by the upstream of model '\(record.model)', "
                    + "which this server no longer serves.", type: "invalid_request_error", param: "response_id", code: "not_found")
        }
        return try await upstream.storedResponseCall(method: method, path: path, requestID: context.requestID)
    }

    /// The turn's input items, newest first by default, paginated with `after`, `limit` and `order` as OpenAI does.
    func inputItems(_ request: Request, context: SwitchyardRequestContext) async throws -> Response {
        let response = try await stored(context)
        if UpstreamResponseRecord.isRecord(response) {
            let query = request.uri.query.map { "?" + $0 } ?? ""
            return ResponseHeaders.json(
                try await upstreamCall("GET", "responses/\(response.id)/input_items\(query)", record: response, context: context))
        }
        let query = request.uri.queryParameters
        var limit = 20
        if let text = query["limit"].map(String.init) {
            guard let value = Int(text), (1...100).contains(value) else {
                throw OpenAIError.invalidValue("Invalid 'limit': \(text). Expected an integer between 1 and 100.", param: "limit")
            }
            limit = value
        }
        var items = response.inputItems
        switch query["order"].map(String.init) {
        case nil, "desc": items.reverse()
        case "asc": break
        case let other?:
            throw OpenAIError.invalidValue("Invalid 'order': '\(other)'. Supported values are: 'asc' and 'desc'.", param: "order")
        }
        if let after = query["after"].map(String.init) {
            guard let position = items.firstIndex(where: { $0["id"]?.stringValue == after }) else {
                throw OpenAIError.invalidValue("Invalid 'after': no input item with id '\(after)' in this response.", param: "after")
            }
            items.removeFirst(position + 1)
        }
        let page = Array(items.prefix(limit))
        let list: JSONValue = [
            "object": "list",
            "data": .array(page),
            "first_id": page.first?["id"] ?? .null,
            "last_id": page.last?["id"] ?? .null,
            "has_more": .bool(items.count > page.count),
        ]
        return ResponseHeaders.json(list)
    }

    private func stored(_ context: SwitchyardRequestContext) async throws -> StoredResponse {
        let id = try context.parameters.require("id")
        guard let response = try await store.response(id: id, owner: Self.owner(context)) else { throw Self.notFound(id) }
        return response
    }

    static func previousNotFound(_ id: String) -> OpenAIError {
        OpenAIError(
            status: 400, message: "Previous response with id '\(id)' not found.", type: "invalid_request_error",
            param: "previous_response_id", code: "previous_response_not_found")
    }

    static func notFound(_ id: String) -> OpenAIError {
        OpenAIError(
            status: 404, message: "No response found with id '\(id)'.", type: "invalid_request_error", param: "response_id",
            code: "not_found")
    }
}
