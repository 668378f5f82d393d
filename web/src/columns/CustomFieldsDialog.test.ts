import { keyFromLabel } from "./CustomFieldsDialog";

test("a field's key is made from its label as the API wants it: a-z, 0-9 and _, a letter first", () => {
  expect(keyFromLabel("Plan tier")).toBe("plan_tier");
  expect(keyFromLabel("Número de cliente")).toBe("numero_de_cliente");
  expect(keyFromLabel("2nd phone!")).toBe("nd_phone");
  expect(keyFromLabel("  ")).toBe("");
});
