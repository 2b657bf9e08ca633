/** The Fabric face of the chaincode: the contract list fabric-contract-api serves. */
import './quiet';
import { DenyListContract } from './deny-list-contract';
import { FundingContract } from './funding-contract';
import { IssuanceContract } from './issuance-contract';
import { PayoutContract } from './payout-contract';
import { SettlementContract } from './settlement-contract';

export { SettlementContract } from './settlement-contract';
export { ROLE_ORGS, requireRole, type Role } from './access';
export { IssuanceContract } from './issuance-contract';
export { DenyListContract } from './deny-list-contract';
export { FundingContract } from './funding-contract';
export { PayoutContract } from './payout-contract';
export const contracts = [SettlementContract, IssuanceContract, PayoutContract, DenyListContract, FundingContract];
