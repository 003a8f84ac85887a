/**
 * Recognising an ACL refusal in a broker's answer. The answers differ by broker generation (Apache source):
 * - ACL 1.0 (4.9, and 5.x with `aclEnable`): the validator runs as a server RPC hook, its `AclException` escapes to
 *   the remoting layer, which answers **1 SYSTEM_ERROR** with remark `org.apache.rocketmq.acl.common.AclException:
 *   <reason>, <first stack frame>` (golden captures of 4.9.8).
 * - ACL 2.0 (5.3+ `authenticationEnabled` / `authorizationEnabled`): the auth pipelines turn
 *   `AuthenticationException` / `AuthorizationException` into **16 NO_PERMISSION** with the bare message as remark
 *   (e.g. `User:rxUser is not found.`, `check signature failed.`, `u has no permission to access Topic:T from …`).
 * Other NO_PERMISSION answers (a topic or broker that is not writable) are not ACL refusals.
 */
import { ResponseCode } from '../remoting/response-code.js';

const ACL_EXCEPTION_PREFIX = 'org.apache.rocketmq.acl.common.AclException: ';
/** `, org.apache…Class.method(File.java:123)` at the end of a Java `exceptionSimpleDesc`. */
const STACK_FRAME = /, [\w$.<>]+\([\w$.]*(?::\d+)?\)$/;
/** Messages of the 5.3 ACL 2.0 exceptions (auth module: handlers, builders, strategies). */
const ACL2_MESSAGES: readonly RegExp[] = [
  /^User:.* is (?:not found|disabled)\.?$/,
  /^User:.* not found\.$/,
  /^check signature failed\.$/,
  /^username cannot be null\.$/,
  /^datetime is null\.$/,
  /^authentication (?:header|keyValues|credential)\b/,
  /^Authentication failed\. /,
  /^Authorization failed\. /,
  / has no permission to access /,
  /^The (?:authenticationMetadataProvider|authorizationMetadataProvider) is not configured$/,
];

/**
 * The reason of an ACL refusal, or `null` when the answer is not one.
 * @param code - the response code
 * @param remark - the response remark
 * @returns the broker's reason without exception class and stack frame
 * @example
 * ```ts
 * aclRefusalReason(1, 'org.apache.rocketmq.acl.common.AclException: No acl config for rxUser, org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:668)');
 * // 'No acl config for rxUser'
 * ```
 */
export function aclRefusalReason(code: number, remark: string | null): string | null {
  if (remark === null) return null;
  if (code === ResponseCode.SYSTEM_ERROR) {
    if (!remark.startsWith(ACL_EXCEPTION_PREFIX)) return null;
    return remark.slice(ACL_EXCEPTION_PREFIX.length).replace(STACK_FRAME, '');
  }
  if (code === ResponseCode.NO_PERMISSION && ACL2_MESSAGES.some((pattern) => pattern.test(remark))) return remark;
  return null;
}
