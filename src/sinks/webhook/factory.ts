/** The alert webhook sink (`alerts.webhook`): alert events POSTed as JSON, through the running sink's retries. */
import type { SinkFactory } from "../registry.ts";
import { createWebhookSink } from "./sink.ts";

export const webhookSinkFactory: SinkFactory = {
  name: "webhook",
  enabled: (config) => config.alerts.webhook.enabled,
  create: ({ config, now, alerts }) => {
    const w = config.alerts.webhook;
    if (!alerts) throw new Error("webhook sink: no alert stream to send (createSinks was not given one)");
    return createWebhookSink({ url: w.url, timeoutMs: w.timeout_ms, maxPending: w.max_pending, alerts, now });
  },
};
