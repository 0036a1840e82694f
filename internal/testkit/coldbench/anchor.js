"use strict";
// The Node anchor of make bench-cold: an authorizer that verifies only, with
// aws-jwt-verify, under the Lambda Runtime API, in plain Node (no
// aws-lambda-ric). At init it fetches the pool's JWKS from COGNITO_JWKS_URL
// (the local pool's), as ours prefetches it, and caches it in the verifier;
// then it answers each TOKEN event with an Allow of the stage, or the error
// Unauthorized.
const http = require("node:http");
const { CognitoJwtVerifier } = require("aws-jwt-verify");

const env = process.env;
const runtime = `http://${env.AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime`;
const agent = new http.Agent({ keepAlive: true });

function call(method, url, body) {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { "content-type": "application/json" };
    const req = http.request(url, { method, agent, headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const verifier = CognitoJwtVerifier.create({
  userPoolId: env.COGNITO_USER_POOL_ID, clientId: env.COGNITO_CLIENT_IDS, tokenUse: "id",
});

async function handle(event) {
  const token = String(event.authorizationToken || "").replace(/^Bearer +/i, "");
  const claims = await verifier.verify(token);
  const [api, stage] = event.methodArn.split("/"); // arn:...:execute-api:<region>:<account>:<api>, <stage>
  return {
    principalId: claims.sub,
    policyDocument: { Version: "2012-10-17", Statement: [{ Action: ["execute-api:Invoke"], Effect: "Allow", Resource: [`${api}/${stage}/*/*`] }] },
    context: { sub: claims.sub, username: claims["cognito:username"] },
  };
}

async function main() {
  try {
    verifier.cacheJwks(JSON.parse((await call("GET", env.COGNITO_JWKS_URL)).body));
  } catch (err) {
    await call("POST", `${runtime}/init/error`, JSON.stringify({ errorMessage: String(err), errorType: "InitError" }));
    process.exit(1);
  }
  for (;;) {
    const next = await call("GET", `${runtime}/invocation/next`);
    const id = next.headers["lambda-runtime-aws-request-id"];
    try {
      const answer = await handle(JSON.parse(next.body));
      await call("POST", `${runtime}/invocation/${id}/response`, JSON.stringify(answer));
    } catch (err) {
      await call("POST", `${runtime}/invocation/${id}/error`, JSON.stringify({ errorMessage: "Unauthorized", errorType: "Error" }));
    }
  }
}

main();
