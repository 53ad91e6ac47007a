import AiToEarnCore
import Diagnostics
import JSONValue

/// How a tool call may ask the user to confirm a job's price (`--confirm-credits-above`).
enum MCPConfirmation: Sendable {
    /// The client cannot be asked: the agent confirms with the user and calls again with
    /// `confirm_credits` set to the quoted price.
    case byArgument
    /// A 2026-07-28 client that declared elicitation: an `input_required` result, continued when
    /// the client retries the call with `inputResponses` (and our `requestState`).
    case inputRequired(responses: JSONValue?, state: String?)
    /// A legacy client that declared elicitation: an `elicitation/create` request, answered in place.
    case request(@Sendable (JSONValue) async -> JSONValue?)
}

/// The credits side of the job tools: confirmation before submitting, and `credits` in every result.
enum MCPCredits {
    /// The key of our one input request, in `inputRequests` and the client's `inputResponses`.
    static let confirmKey = "aitoearn-confirm-credits"

    /// The opaque state an `input_required` result carries: the price that was asked about, so a
    /// retry confirms that price and no other.
    static func state(_ credits: Double) -> String { "confirm-credits:" + CoreError.number(credits) }

    /// Lets the job go on when its price needs no confirmation or was confirmed; else throws
    /// `needsConfirmation` (asked, declined, or confirmed at another price). An unknown price is
    /// not "above" the threshold: the spending limit is what refuses unknown prices.
    static func confirm(_ quote: Quote, threshold: Double, offered: Double?, channel: MCPConfirmation) async throws(CoreError) {
        guard let price = quote.credits, price > threshold else { return }
        func refuse(declined: Bool = false, offered: Double? = nil) -> CoreError {
            CoreError(.needsConfirmation(credits: price, threshold: threshold, offered: offered, declined: declined))
        }
        if let offered {
            if offered == price { return }
            throw refuse(offered: offered)
        }
        switch channel {
        case .byArgument:
            throw refuse()
        case .inputRequired(let responses, let state):
            // A response to a question about another price (the list changed meanwhile) is asked again.
            guard state == Self.state(price), let answer = responses?[confirmKey] else { throw refuse() }
            if !accepted(answer) { throw refuse(declined: true) }
        case .request(let ask):
            // A client that cannot answer (an error, no reply) is told how to confirm by argument instead.
            guard let answer = await ask(elicitation(price: price)) else { throw refuse() }
            if !accepted(answer) { throw refuse(declined: true) }
        }
    }

    /// The user said yes: `accept`, and the form's `confirm` not false.
    static func accepted(_ answer: JSONValue) -> Bool {
        answer["action"]?.stringValue == "accept" && answer["content"]?["confirm"] != .bool(false)
    }

    /// The `elicitation/create` params asking whether to spend `price` credits.
    static func elicitation(price: Double) -> JSONValue {
        let credits = CoreError.number(price)
        return .object([
            "mode": "form",
            "message": .string("This AiToEarn job costs \(credits) credits. Submit it and spend them?"),
            "requestedSchema": .object([
                "type": "object",
                "properties": .object(["confirm": .object(["type": "boolean", "title": .string("Spend \(credits) credits"),
                                                           "default": true])]),
                "required": ["confirm"],
            ]),
        ])
    }

    /// The `input_required` result of a 2026-07-28 call: our one elicitation, and the price asked about.
    static func inputRequired(price: Double) -> JSONValue {
        .object([
            "resultType": "input_required",
            "inputRequests": .object([confirmKey: .object(["method": "elicitation/create",
                                                           "params": elicitation(price: price)])]),
            "requestState": .string(state(price)),
        ])
    }

    /// What the agent reads when the price must be confirmed by argument, or was not confirmed.
    static func refusalText(_ error: CoreError) -> String? {
        guard case .needsConfirmation(let credits, let threshold, let offered, let declined) = error.kind else { return nil }
        let price = CoreError.number(credits)
        if declined { return "The user declined to spend \(price) credits on this job: nothing was submitted. Do not call again unless they change their mind." }
        if let offered {
            return "Nothing was submitted: confirm_credits \(CoreError.number(offered)) is not this job's price, \(price) credits. "
                + "Confirm \(price) credits with the user and call again with confirm_credits \(price)."
        }
        return "Nothing was submitted: this job costs \(price) credits, above the \(CoreError.number(threshold)) credits this server "
            + "spends without the user's confirmation. Ask the user whether to spend \(price) credits; if they agree, call again "
            + "with the same arguments and confirm_credits \(price)."
    }

    /// `credits` for a job tool's `structuredContent`: the quote (null with `reason` when unknown),
    /// and `points`, what the service says it charged, once it says.
    static func summary(quote: Quote?, points: JSONValue?) -> JSONValue? {
        var o = JSONObject()
        if let quote {
            o["quote"] = quote.price.json
            if case .unknown(let reason) = quote.price { o["reason"] = .string(reason) }
        }
        if let points, let n = Pricing.number(points) { o["points"] = Price.credits(n).json }
        return o.isEmpty ? nil : .object(o)
    }

    /// `result` with `credits` in its `structuredContent` (and so in its text mirror).
    static func adding(_ credits: JSONValue?, to result: JSONValue) -> JSONValue {
        guard let credits, case .object(var r) = result, case .object(var structured)? = r["structuredContent"] else { return result }
        let mirror = JSONValue.object(structured).serializedString()
        structured["credits"] = credits
        r["structuredContent"] = .object(structured)
        if case .array(var content)? = r["content"], let first = content.first, first["text"]?.stringValue == mirror {
            content[0] = .object(["type": "text", "text": .string(JSONValue.object(structured).serializedString())])
            r["content"] = .array(content)
        }
        return .object(r)
    }

    /// `credits` in the output schemas.
    static let schema: JSONValue = .object([
        "type": "object",
        "description": "What the job costs: quote, the price from the model list (null when it cannot be known, with reason), and points, what the service charged once it says (0 after a failed job's refund).",
        "properties": .object([
            "quote": .object(["type": ["number", "null"]]),
            "points": .object(["type": "number"]),
            "reason": .object(["type": "string"]),
        ]),
    ])

    /// `confirm_credits` in the input schemas of the job tools that submit.
    static let confirmArgument: JSONValue = MCPToolCatalog.optional(.object([
        "type": "number", "minimum": 0,
        "description": "Only after this tool said the price needs the user's confirmation: the quoted price, once the user agreed to spend it (a different value is refused). Null: not confirmed.",
    ]))

    /// What every job tool's description says about credits.
    static let description = " Every job costs AiToEarn credits: structuredContent.credits gives the price (quote) and, once "
        + "known, what was charged (points). A job beyond the server's spending limit is refused (isError, nothing submitted). "
        + "A job priced above the server's confirmation threshold is confirmed with the user first: the client asks them "
        + "(elicitation) when it can; otherwise the tool refuses (isError, nothing submitted) and you must ask the user, then "
        + "call again with the same arguments and confirm_credits set to the quoted price."
}

/// The quote and points one tool call saw, kept while it runs.
final class MCPCreditTrail: Sendable {
    private let seen = Locked<(quote: Quote?, points: JSONValue?)>((nil, nil))
    func quoted(_ q: Quote) { seen.withLock { $0.quote = q } }
    func charged(_ points: JSONValue?) { if let points { seen.withLock { $0.points = points } } }
    var summary: JSONValue? { let s = seen.current; return MCPCredits.summary(quote: s.quote, points: s.points) }
}
