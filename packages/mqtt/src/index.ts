/**
 * @since 0.1.0
 */
export * as MqttPushNotifier from "./MqttPushNotifier.js"
