import JSONValue
import Testing
@testable import AiToEarnCore

/// Model lists shaped as the service sends them (UPSTREAM "Endpoints", "Video generation").
private let imageModels: JSONValue = [
    ["name": "gpt-image-1", "description": "d", "tags": [], "sizes": ["1024x1024"], "pricing": "12", "originPrice": "15"],
    ["name": "half", "pricing": "2.5"],
    ["name": "number", "pricing": 7],
    ["name": "words", "pricing": "about ten"],
    ["name": "negative", "pricing": "-3"],
    ["name": "missing"],
    ["name": "object", "pricing": ["perImage": 12]],
]

private let videoModels: JSONValue = [[
    "name": "sim-video", "modes": ["text2video", "image2video"], "resolutions": ["720p", "1080p"],
    "aspectRatios": ["16:9", "9:16"], "durations": [5, 10],
    "defaults": ["resolution": "720p", "aspectRatio": "16:9", "duration": 5],
    "pricing": [
        ["resolution": "1080p", "duration": 10, "price": 80],
        ["resolution": "1080p", "price": 50],
        ["mode": "image2video", "price": 30],
        ["duration": 10, "price": 40],
        ["price": 20, "discount": 0.8],
    ],
], ["name": "unpriced", "pricing": []], ["name": "no-match", "pricing": [["resolution": "4k", "price": 1]]],
   ["name": "broken-row", "pricing": [["price": "lots"]]]]

@Suite("Pricing")
struct PricingTests {
    @Test("an image job costs the model's pricing once, whatever n; unreadable prices are unknown, never 0", arguments: [
        ("gpt-image-1", 12.0), ("half", 2.5), ("number", 7.0),
        ("words", nil), ("negative", nil), ("missing", nil), ("object", nil), ("not-listed", nil),
    ] as [(String, Double?)])
    func image(model: String, credits: Double?) {
        let (price, _) = Pricing.image(model: model, in: imageModels)
        if let credits {
            #expect(price == .credits(credits))
        } else {
            guard case .unknown(let reason) = price else { Issue.record("\(model): \(price)"); return }
            #expect(reason.contains(model))
        }
    }

    @Test("the listed pricing comes back as the service wrote it")
    func imagePricingVerbatim() {
        #expect(Pricing.image(model: "gpt-image-1", in: imageModels).pricing == "12")
        #expect(Price.credits(12).json == .integer(12) && Price.credits(2.5).json == .double(2.5))
        #expect(Price.unknown(reason: "x").json == .null)
    }

    @Test("a video job costs the first row whose given fields all match, defaults filling the gaps", arguments: [
        (["resolution": "1080p", "duration": 10], 80.0),
        (["resolution": "1080p"], 50.0),           // duration 5 by default: the first row does not match
        (["resolution": "1080p", "duration": "10"], 80.0), // a number is a number, however written
        (["mode": "image2video"], 30.0),
        (["duration": 10], 40.0),
        ([:], 20.0),
        (["ratio": "9:16", "resolution": "720p"], 20.0),
    ] as [(JSONObject, Double)])
    func video(fields: JSONObject, credits: Double) {
        var body = fields
        body["model"] = "sim-video"
        body["prompt"] = "a kite"
        #expect(Pricing.video(body, in: videoModels).price == .credits(credits))
    }

    @Test("a video price that cannot be had is unknown, with the reason", arguments: ["unpriced", "no-match", "broken-row", "absent"])
    func videoUnknown(model: String) {
        let (price, _) = Pricing.video(["model": .string(model), "prompt": "p"], in: videoModels)
        guard case .unknown(let reason) = price else { Issue.record("\(model): \(price)"); return }
        #expect(reason.contains(model))
    }

    @Test("the matching row is returned for callers to show")
    func videoRow() {
        let (_, row) = Pricing.video(["model": "sim-video", "prompt": "p"], in: videoModels)
        #expect(row == ["price": 20, "discount": 0.8])
    }
}
