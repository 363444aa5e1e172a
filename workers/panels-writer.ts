/**
 * Worker entry point of the panels sink's writer thread: answers each request with the
 * generation writer of src/sinks/panels/write.ts (write a generation, switch `current`, remove
 * old ones; or fsync a generation's paths). See src/sinks/panels/thread.ts.
 */
import { createGenerationWriter, type WriterRequest } from "../src/sinks/panels/write.ts";

declare const self: Worker;

const writer = createGenerationWriter();

self.onmessage = (event: MessageEvent<WriterRequest>) => {
  void writer(event.data).then((reply) => self.postMessage(reply));
};
