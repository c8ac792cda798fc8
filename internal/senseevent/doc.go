// Package senseevent parses the UDP datagrams that Qlik Sense Enterprise on
// Windows sends through log4net UdpAppenders: log events from the engine,
// proxy, repository and scheduler services, engine performance ("qix-perf")
// events and proxy user events (session start/stop, connection open/close).
//
// It is the one parser for this wire format; every component that needs Sense
// events uses it. Parsing works on substrings of the datagram, so an Event
// holds no memory of its own beyond the line it was parsed from.
package senseevent
