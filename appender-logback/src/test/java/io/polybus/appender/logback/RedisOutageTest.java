package io.polybus.appender.logback;

/** The outage test against a Redis server of its own. */
class RedisOutageTest extends BrokerOutageTest {
    @Override
    OwnServer newServer() throws Exception {
        return new OwnServer.Redis();
    }
}
