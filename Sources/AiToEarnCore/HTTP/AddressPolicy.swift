/// Which network addresses a request may reach. Image URLs come from the service, so they must
/// not be a way to probe the user's own machine or network.
package enum AddressPolicy: Sendable, Equatable {
    case any
    /// Everything but link-local (cloud metadata services live there).
    case notLinkLocal
    /// Public addresses only: no loopback, private, carrier-grade NAT or link-local ranges.
    case publicOnly
}
