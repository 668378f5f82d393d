/** The country's name in the user's language (Intl), its code when the browser has none. */
export function countryName(code: string, locale?: string): string {
  try {
    const names = new Intl.DisplayNames(locale ? [locale] : undefined, { type: "region" });
    const name = names.of(code.toUpperCase());
    return name && name !== code.toUpperCase() ? name : code.toUpperCase();
  } catch {
    return code;
  }
}
