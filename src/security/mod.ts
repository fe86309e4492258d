/**
 * Capabilities, grants and (later) approvals and the audit log.
 *
 * @module
 */
export {
  CAPABILITY_INFO,
  CAPABILITY_NAMES,
  formatCapability,
  isCapabilityName,
  parseCapabilities,
  riskOf,
  STATE_SCOPES,
} from "./capability.ts";
export type {
  Capability,
  CapabilityName,
  CapabilityProblem,
  Risk,
  StateScope,
} from "./capability.ts";
