'use strict';
// Caliper workload: SubmitBatch of pre-signed terminal batches as the gateway identity, the same
// workload as `npm run bench:fabric` (bench/src/caliper.ts signs the batches and writes the file).
// Each worker takes every n-th terminal; a terminal never has two batches in flight (its chain
// head is one key: two at once would be an MVCC conflict by design), so each worker keeps at most
// one transaction per terminal outstanding.
const { readFileSync } = require('node:fs');
const { WorkloadModuleBase } = require('@hyperledger/caliper-core');

class SubmitBatchWorkload extends WorkloadModuleBase {
  async initializeWorkloadModule(workerIndex, totalWorkers, roundIndex, roundArguments, sutAdapter, sutContext) {
    await super.initializeWorkloadModule(workerIndex, totalWorkers, roundIndex, roundArguments, sutAdapter, sutContext);
    const all = JSON.parse(readFileSync(roundArguments.batchesFile, 'utf8'));
    this.queues = all.filter((_, i) => i % totalWorkers === workerIndex).map((batches) => ({ batches, next: 0, busy: false }));
    this.waiting = [];
  }

  async freeTerminal() {
    for (;;) {
      const q = this.queues.find((x) => !x.busy && x.next < x.batches.length);
      if (q !== undefined) {
        q.busy = true; // taken before any await, so that no other call can pick the same terminal
        return q;
      }
      if (this.queues.every((x) => x.next >= x.batches.length)) throw new Error('this worker has no batches left: raise the batches per terminal or lower txNumber');
      await new Promise((resolve) => this.waiting.push(resolve));
    }
  }

  async submitTransaction() {
    const q = await this.freeTerminal();
    const jws = q.batches[q.next++];
    try {
      await this.sutAdapter.sendRequests({
        contractId: 'settlement', contractFunction: 'SubmitBatch', contractArguments: [jws], invokerIdentity: 'gateway', invokerMspId: 'OperatorMSP', readOnly: false,
      });
    } finally {
      q.busy = false;
      const wake = this.waiting.shift();
      if (wake !== undefined) wake();
    }
  }
}

module.exports.createWorkloadModule = () => new SubmitBatchWorkload();
