// A real OpenID Connect provider (the npm package oidc-provider) for the browser tests, on
// loopback only. Configured by one JSON argument:
//   {"port": 0, "client": {"client_id", "client_secret", "redirect_uris": [...]},
//    "accounts": {"<login>": {"preferred_username", "name", "email", "email_verified"}},
//    "tamper": null | "nonce" | "audience"}
// "tamper" makes it misbehave the way an attacker's replayed or misdirected token would: its ID
// tokens then carry another sign-in's nonce, or are issued to another client.
// Its built-in sign-in page accepts any login name and any password; the claims come from
// "accounts". Prints "ready <issuer>" once it listens.
import http from "node:http";
import Provider from "oidc-provider";

const config = JSON.parse(process.argv[2]);
const server = http.createServer();

server.listen(config.port || 0, "127.0.0.1", () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        ...config.client,
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    claims: {
      openid: ["sub"],
      profile: ["name", "preferred_username"],
      email: ["email", "email_verified"],
    },
    async findAccount(ctx, sub) {
      const claims = (config.accounts || {})[sub] || { preferred_username: sub, name: sub };
      return { accountId: sub, async claims() { return { sub, ...claims }; } };
    },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ["perchoir-test-only"] },
  });
  tamper(provider, config.tamper);
  server.on("request", provider.callback());
  console.log(`ready ${issuer}`);
});

function tamper(provider, how) {
  const { IdToken } = provider;
  if (how === "nonce") {
    const set = IdToken.prototype.set;
    IdToken.prototype.set = function (key, value) {
      set.call(this, key, key === "nonce" ? "the-nonce-of-another-sign-in" : value);
    };
  } else if (how === "audience") {
    const issue = IdToken.prototype.issue;
    IdToken.prototype.issue = function (options) {
      const client = this.client;
      this.client = new Proxy(client, {
        get: (target, name) => (name === "clientId" ? "another-client" : Reflect.get(target, name)),
      });
      return issue.call(this, options).finally(() => { this.client = client; });
    };
  }
}

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
