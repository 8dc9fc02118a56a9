/**
 * WebSocket close codes the reflector uses (RFC 6455 §7.4.1). Their own file so that a session
 * (which closes its channel) and the control connection (which is that channel) can both use them
 * without importing each other.
 */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  unsupportedData: 1003,
  policyViolation: 1008,
  tryAgainLater: 1013,
} as const;
