import type { ClientIdentity } from 'fabric-shim-api';
import { DomainError } from '../core/errors';

/** Roles carried by the `role` attribute of a client certificate (fabric-ca attribute). */
export type Role = 'operator' | 'finance' | 'registrar' | 'auditor' | 'gateway';
const ROLES: readonly Role[] = ['operator', 'finance', 'registrar', 'auditor', 'gateway'];

/** Which organisation may hold which role: a role attribute from another org's CA means nothing. */
export const ROLE_ORGS: Readonly<Record<Role, string>> = {
  operator: 'OperatorMSP',
  gateway: 'OperatorMSP',
  finance: 'CampusMSP',
  registrar: 'CampusMSP',
  auditor: 'AuditMSP',
};

/**
 * Organisations that joined the channel after it was made and hold a role too: the education
 * bureau, a second auditor (network/src/add-org.ts). Its auditors read; its peer endorses nothing.
 */
export const JOINED_ROLE_ORGS: Readonly<Partial<Record<Role, readonly string[]>>> = { auditor: ['BureauMSP'] };

/** Every role: who may call the read-only queries. */
export const ANY_ROLE: readonly Role[] = ROLES;

/** The part of the caller's identity the guard reads. */
export type Caller = Pick<ClientIdentity, 'getMSPID' | 'getAttributeValue'>;

/**
 * Explicit guard: the caller's `role` attribute must be one of `allowed` and must come from the
 * organisation that role belongs to. Throws ACCESS_DENIED; never returns a boolean to forget.
 */
export function requireRole(caller: Caller, allowed: readonly Role[], action: string): Role {
  const mspId = caller.getMSPID();
  const value = caller.getAttributeValue('role');
  const role = ROLES.find((r) => r === value);
  const fromItsOrg = role !== undefined && (ROLE_ORGS[role] === mspId || (JOINED_ROLE_ORGS[role] ?? []).includes(mspId));
  if (role === undefined || !allowed.includes(role) || !fromItsOrg) {
    throw new DomainError('ACCESS_DENIED', `${action} needs role ${allowed.join(' or ')}; caller is ${value ?? 'without a role'} of ${mspId}`);
  }
  return role;
}
