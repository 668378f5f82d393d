import { describe, expect, it } from "vitest";
import { describeFormat } from "./ImportDialog";

describe("describeFormat", () => {
  it("names a known tool's export with its encoding and separator", () => {
    expect(describeFormat({ format: "google_contacts", encoding: "utf-8", delimiter: "," })).toBe(
      "Recognised as a Google Contacts export (UTF-8, comma-separated).",
    );
    expect(describeFormat({ format: "hubspot", encoding: "utf-16", delimiter: "\t" })).toBe("Recognised as a HubSpot export (UTF-16, tab-separated).");
  });

  it("says an unknown layout is matched by column names, and a spreadsheet has no encoding", () => {
    expect(describeFormat({ format: "csv", encoding: "windows-1252", delimiter: ";" })).toBe(
      "A file of your own layout: columns matched by name (WINDOWS-1252, semicolon-separated).",
    );
    expect(describeFormat({ format: "contacts_module", encoding: null, delimiter: null })).toBe("Recognised as an export of this Contacts module.");
  });
});
