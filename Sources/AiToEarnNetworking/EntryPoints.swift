import Foundation
import NetworkingABI

/// Called with the caller's context and a `WireReply` handed over with `passWire`.
public typealias AiToEarnNetworkCompletion = @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer) -> Void

/// Starts an exchange. Takes a `WireRequest` handed over with `passWire`; returns a retained
/// handle that must be released with `aitoearn_network_release` after the completion ran.
@_cdecl("aitoearn_network_send")
public func aitoearn_network_send(_ request: UnsafeMutableRawPointer, _ context: UnsafeMutableRawPointer?,
                                  _ completion: AiToEarnNetworkCompletion) -> UnsafeMutableRawPointer {
    let wire = takeWire(request, as: WireRequest.self)
    let ctx = context.map { UInt(bitPattern: $0) }
    let handle = URLSessionClient.shared.send(wire) { reply in
        completion(ctx.flatMap { UnsafeMutableRawPointer(bitPattern: $0) }, passWire(reply))
    }
    return Unmanaged.passRetained(handle).toOpaque()
}

/// Stops an exchange; its completion still runs, reporting "cancelled".
@_cdecl("aitoearn_network_cancel")
public func aitoearn_network_cancel(_ handle: UnsafeMutableRawPointer) {
    Unmanaged<ExchangeHandle>.fromOpaque(handle).takeUnretainedValue().cancel()
}

@_cdecl("aitoearn_network_release")
public func aitoearn_network_release(_ handle: UnsafeMutableRawPointer) {
    Unmanaged<ExchangeHandle>.fromOpaque(handle).release()
}
