package io.polybus.appender.logback;

/** The outage test against a RabbitMq server of its own. */
class RabbitMqOutageTest extends BrokerOutageTest {
    @Override
    OwnServer newServer() throws Exception {
        return new OwnServer.RabbitMq();
    }
}
