import JSONValue

/// What one submission would cost: the model, the price (or why it is unknown), and the model
/// list's own `pricing` (a string for images, the matching row for video) for callers to show.
package struct Quote: Sendable, Equatable {
    package var model: String
    package var price: Price
    package var pricing: JSONValue

    package init(model: String, price: Price, pricing: JSONValue) {
        (self.model, self.price, self.pricing) = (model, price, pricing)
    }

    /// The credits, nil when unknown.
    package var credits: Double? {
        guard case .credits(let c) = price else { return nil }
        return c
    }

    /// `{ dryRun: true, model, credits, pricing }`, with `reason` when the price cannot be known.
    package var dryRunResult: JSONValue {
        var o: JSONObject = ["dryRun": true, "model": .string(model), "credits": price.json, "pricing": pricing]
        if case .unknown(let reason) = price { o["reason"] = .string(reason) }
        return .object(o)
    }
}

/// How one call treats credits: a dry run (price it, submit nothing), whether the caller wants
/// the price even without a limit (the MCP face reports it), and a hook that may stop the call
/// once the price is known and before anything is reserved or sent (a confirmation).
package struct CreditRun: Sendable {
    package var dryRun = false
    package var wantsQuote = false
    package var approve: (@Sendable (Quote) async throws(CoreError) -> Void)?
    /// Told the quote once it is known (before `approve`).
    package var quoted: (@Sendable (Quote) -> Void)?

    package init(dryRun: Bool = false, wantsQuote: Bool = false) {
        (self.dryRun, self.wantsQuote) = (dryRun, wantsQuote)
    }
}
