// A real OpenID Connect provider (the npm package oidc-provider) for the browser tests, on
// loopback only. Configured by one JSON argument:
//   {"port": 0, "client": {"client_id", "client_secret", "redirect_uris": [...]},
//    "accounts": {"<login>": {"preferred_username", "name", "email", "email_verified"}}}
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
  server.on("request", provider.callback());
  console.log(`ready ${issuer}`);
});

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
