/**
 * A small client of the SalesOne API, written as the SPA writes one: typed by the types openapi-typescript
 * generates from the live schema into generated/api.d.ts. `tsc` fails when the schema stops describing
 * what a client relies on: the error bodies, nullable names, the 429's Retry-After.
 * Checked by common/tests/test_openapi_typescript_client.py.
 */
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/api";

type Schemas = components["schemas"];
export type ApiError = Schemas["Error"];
export type ValidationError = Schemas["ValidationError"];

// What the schema promises, checked at compile time.
type Expect<T extends true> = T;
type IsNullable<T> = null extends T ? true : false;
export type SchemaPromises = [
  Expect<IsNullable<Schemas["Lead"]["industry_name"]>>,
  Expect<IsNullable<Schemas["Opportunity"]["lead_name"]>>,
  Expect<IsNullable<Schemas["CampaignLeadResult"]["lead_name"]>>,
  Expect<components["responses"]["Throttled"]["headers"]["Retry-After"] extends number | undefined ? true : false>,
];

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiError | ValidationError | undefined,
    readonly retryAfterSeconds?: number,
  ) {
    super(describe(body) ?? `HTTP ${status}`);
  }
}

/** One line for a person: the detail, then each field with its messages. */
export function describe(body: ApiError | ValidationError | undefined): string | undefined {
  if (body === undefined) return undefined;
  const fields = Object.entries(body.fields).map(
    ([field, messages]) => `${field}: ${Array.isArray(messages) ? messages.join(" ") : JSON.stringify(messages)}`,
  );
  return [body.detail, ...fields].join("; ");
}

function fail(response: Response, body: ApiError | ValidationError | undefined): never {
  const retryAfter = response.status === 429 ? Number(response.headers.get("Retry-After")) : undefined;
  throw new ApiFailure(response.status, body, retryAfter);
}

export function salesOne(baseUrl: string, accessToken?: string) {
  const api = createClient<paths>({
    baseUrl,
    headers: accessToken ? { Authorization: `Bearer ${accessToken}` } : {},
  });

  return {
    async login(email: string, password: string): Promise<string> {
      const { data, error, response } = await api.POST("/api/auth/login/", { body: { email, password } });
      if (!data) fail(response, error);
      return data.access;
    },

    async leads(page = 1, search?: string) {
      const { data, error, response } = await api.GET("/api/leads/", { params: { query: { page, search } } });
      if (!data) fail(response, error);
      return {
        total: data.count,
        rows: data.results.map((lead) => ({ id: lead.id, name: lead.name, industry: lead.industry_name ?? "미분류" })),
      };
    },

    async opportunity(id: string) {
      const { data, error, response } = await api.GET("/api/opportunities/{id}/", { params: { path: { id } } });
      if (!data) fail(response, error);
      return { name: data.name, lead: data.lead_name ?? "(리드 없음)" };
    },

    async createProduct(name: string, price: number) {
      const { data, error, response } = await api.POST("/api/products/", { body: { name, price } });
      if (!data) fail(response, error);
      return data.id;
    },
  };
}
