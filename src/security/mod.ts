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
export { expandHome, grantKey, hostAllowed, isDefaultGranted, workerPermissions } from "./grant.ts";
export type { PermissionContext } from "./grant.ts";
export { auditDir, AuditError, AuditLog, paramsDigest } from "./audit.ts";
export type {
  AuditEvent,
  AuditFilter,
  AuditKind,
  AuditLogOptions,
  AuditReadResult,
  AuditSync,
} from "./audit.ts";
export {
  ApprovalBroker,
  parseApproveFlag,
  rememberApproval,
  shadowsInstalled,
  trustPlugin,
} from "./approvals.ts";
export type {
  ApprovalDecision,
  ApprovalOptions,
  ApprovalOutcome,
  ApprovalRequest,
  ApproveFlag,
} from "./approvals.ts";
