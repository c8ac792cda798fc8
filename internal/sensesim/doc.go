// Package sensesim impersonates the UDP side of a Qlik Sense Enterprise on
// Windows site, for testing SenseOps Collector without a Sense server.
//
// A Generator produces deterministic datagrams of the seven kinds that the
// log4net UdpAppenders of Butler SOS spec §4.1 and §5.1 (and this
// repository's distributions/qliksense/*/LocalLogConfig.xml) make Sense send:
// engine, proxy, repository and scheduler log events, QIX performance events,
// and proxy session and connection user events. Output depends only on the
// seed and Options: the same seed and start time give byte-identical
// datagrams.
//
// Run paces a generator at a given rate into any Sink; UDPSender is the sink
// that sends log events and user events to their UDP targets, one datagram
// per event. The sensesim command (cmd/sensesim) is a thin CLI over these.
package sensesim
