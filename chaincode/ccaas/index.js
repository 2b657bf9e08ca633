'use strict';
// What fabric-chaincode-node's server loads (--module-path chaincode/ccaas): the built contract.
// SIGTERM ends the process through a normal exit, so exit hooks (such as --cpu-prof) run.
process.once('SIGTERM', () => process.exit(0));
// DOL_CERT_CACHE=off: prove every certificate afresh (benchmarks compare both in one run).
if (process.env.DOL_CERT_CACHE === 'off') require('../dist/index.js').useCertificateCache(false);
module.exports = require('../dist/contract/index.js');
