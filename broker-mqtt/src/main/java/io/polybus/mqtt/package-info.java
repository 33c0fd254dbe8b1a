/** The MQTT 5 broker module: {@code type: mqtt}, through the HiveMQ client: QoS 1, persistent sessions, shared subscriptions for groups. See docs/mqtt.md. */
package io.polybus.mqtt;
