import { describe, expect, it } from "vitest";
import { ApiError, NETWORK_FAILURE, parseErrorBody } from "../src/api";
import { explainError } from "../src/errors";

describe("parseErrorBody", () => {
  it("reads the agreed error body", () => {
    const error = parseErrorBody(422, {
      error: { code: "invalid_request", message: "limit: must be at most 200", details: [{ field: "limit" }] },
    });
    expect(error.status).toBe(422);
    expect(error.code).toBe("invalid_request");
    expect(error.serverMessage).toBe("limit: must be at most 200");
    expect(error.details).toEqual([{ field: "limit" }]);
  });

  it("reads FastAPI's detail string", () => {
    const error = parseErrorBody(404, { detail: "Job not found" });
    expect(error.code).toBeNull();
    expect(error.serverMessage).toBe("Job not found");
  });

  it("joins FastAPI's validation list", () => {
    const error = parseErrorBody(422, { detail: [{ msg: "field required" }, { msg: "too long" }] });
    expect(error.serverMessage).toBe("field required; too long");
  });

  it("keeps the status of a body that is not JSON", () => {
    const error = parseErrorBody(502, null);
    expect(error.status).toBe(502);
    expect(error.serverMessage).toBe("");
  });
});

describe("explainError", () => {
  const cases: [number, string, string][] = [
    [NETWORK_FAILURE, "error.network", "action.network"],
    [401, "error.signedOut", "action.signIn"],
    [403, "error.forbidden", "action.askOwner"],
    [404, "error.notFound", "action.checkLink"],
    [409, "error.conflict", "action.later"],
    [413, "error.tooLarge", "action.smaller"],
    [400, "error.invalid", "action.fix"],
    [422, "error.invalid", "action.fix"],
    [429, "error.rateLimited", "action.slowDown"],
    [503, "error.unavailable", "action.later"],
    [500, "error.server", "action.later"],
  ];

  it.each(cases)("explains status %i", (status, title, action) => {
    const explanation = explainError(new ApiError(status, null, "server words"));
    expect(explanation.title).toBe(title);
    expect(explanation.action).toBe(action);
    expect(explanation.detail).toBe("server words");
  });

  it("prefers a known error code over the status", () => {
    const explanation = explainError(new ApiError(503, "model_unavailable", "no weights"));
    expect(explanation.title).toBe("error.modelUnavailable");
  });

  it("falls back to the status for an unknown code", () => {
    expect(explainError(new ApiError(404, "no_such_code", "")).title).toBe("error.notFound");
  });

  it("explains an error that is not from the API", () => {
    const explanation = explainError(new TypeError("x is undefined"));
    expect(explanation.title).toBe("error.unexpected");
    expect(explanation.detail).toContain("x is undefined");
  });
});
