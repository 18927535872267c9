import { describe, expect, it } from "vitest";
import { FormEncodingError, parseStripeForm } from "./form-encoding";

describe("parseStripeForm", () => {
  it.each([
    ["email=a%40b.co&name=A", { email: "a@b.co", name: "A" }],
    [
      "metadata[auth0_user_id]=auth0%7C1&metadata[plan]=",
      { metadata: { auth0_user_id: "auth0|1", plan: "" } },
    ],
    [
      "items[0][price]=price_a&items[0][quantity]=1&items[1][price]=price_b",
      { items: [{ price: "price_a", quantity: "1" }, { price: "price_b" }] },
    ],
    ["expand[0]=customer&expand[1]=latest_invoice", { expand: ["customer", "latest_invoice"] }],
    ["expand[]=customer&expand[]=data.items", { expand: ["customer", "data.items"] }],
    ["lookup_keys[10]=k&lookup_keys[2]=j", { lookup_keys: ["j", "k"] }],
    [
      "recurring[interval]=month&recurring[usage_type]=metered",
      { recurring: { interval: "month", usage_type: "metered" } },
    ],
    ["payload%5Bvalue%5D=3", { payload: { value: "3" } }],
    ["metadata=", { metadata: "" }],
  ])("%s", (encoded, expected) => {
    expect(parseStripeForm(encoded)).toEqual(expected);
  });

  it.each(["a[b", "[x]=1", "a[__proto__][x]=1", "constructor=1"])("rejects %s", (encoded) => {
    expect(() => parseStripeForm(encoded.includes("=") ? encoded : `${encoded}=1`)).toThrow(
      FormEncodingError,
    );
  });
});
