/**
 * The Kite Connect settings (`provider.kite`), composed into the root schema by
 * src/config/providers.ts. The API key is an ordinary setting (the config file may hold it);
 * the API secret and the day's access token with its expiry are secrets: the environment
 * (G6_PROVIDER__KITE__…) or the secrets file, where `g6 kite login` writes the token.
 *
 * Decision: `access_token_expires_at` is an ISO 8601 UTC instant ("2026-11-27T00:30:00.000Z",
 * i.e. 06:00 IST), written next to the token by the token store, so `g6 kite status` and the
 * running provider can tell an expired token without a call to Kite.
 */
import * as v from "valibot";
import { field, group } from "../../config/fields.ts";

/** Where Kite sends the browser after a login, unless the app registers another URL. */
export const KITE_DEFAULT_REDIRECT_URL = "http://127.0.0.1:5010/g6/kite/callback";

const HttpUrl = v.pipe(v.string(), v.url("an absolute URL"), v.regex(/^https?:\/\//, "an http:// or https:// URL"));
const IsoInstant = v.pipe(
  v.string(),
  v.isoTimestamp("an ISO 8601 instant, e.g. 2026-11-27T00:30:00.000Z"),
  v.check((s) => Number.isFinite(Date.parse(s)), "a real instant"),
);

/** The `provider.kite` group. */
export const KiteSettings = group(
  {
    api_key: field(v.nullable(v.pipe(v.string(), v.minLength(1))), null, "Kite Connect API key of the app (developers.kite.trade). null: not configured."),
    api_secret: field(
      v.nullable(v.pipe(v.string(), v.minLength(1))),
      null,
      "Kite Connect API secret of the app; used only by `g6 kite login` to exchange the request token. Set it with G6_PROVIDER__KITE__API_SECRET or in the secrets file.",
      { secret: true },
    ),
    access_token: field(
      v.nullable(v.pipe(v.string(), v.minLength(1))),
      null,
      "The day's access token, written to the secrets file by `g6 kite login`; valid until 06:00 IST the next day.",
      { secret: true },
    ),
    access_token_expires_at: field(
      v.nullable(IsoInstant),
      null,
      "When the access token expires (ISO 8601 UTC instant, 06:00 IST after the login); written with the token by `g6 kite login`.",
      { secret: true },
    ),
    login_url: field(HttpUrl, "https://kite.zerodha.com/connect/login", "Kite's login page (the browser opens it with ?v=3&api_key=…)."),
    rest_url: field(HttpUrl, "https://api.kite.trade", "Kite Connect REST root."),
    redirect_url: field(
      HttpUrl,
      KITE_DEFAULT_REDIRECT_URL,
      "The app's registered redirect URL. `g6 kite login` listens on its port and path, on 127.0.0.1 only (host 127.0.0.1 or localhost, http).",
    ),
  },
  "Zerodha Kite Connect (the live provider; needs the paid Connect plan).",
);
