package io.polybus.appender.logback;

/** The outage test against a Kafka server of its own. */
class KafkaOutageTest extends BrokerOutageTest {
    @Override
    OwnServer newServer() throws Exception {
        return new OwnServer.Kafka();
    }
}
