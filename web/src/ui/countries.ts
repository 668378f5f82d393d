// The countries the contact form offers: the API stores ISO 3166-1 alpha-2 codes, people read and
// type names. i18n-iso-countries is the maintained list of codes; the names are the browser's
// (Intl.DisplayNames, ./countryName), as in the table, on the dashboard and in the Filters drawer.
import countries from "i18n-iso-countries";
import en from "i18n-iso-countries/langs/en.json";
import { countryName } from "./countryName";

countries.registerLocale(en);

export interface Country {
  id: string;
  label: string;
}

/** Every country as "Name (CODE)", by name: what the contact form's Country offers. */
export const COUNTRIES: Country[] = Object.keys(countries.getAlpha2Codes())
  .map((id) => ({ id, label: `${countryName(id)} (${id})` }))
  .sort((a, b) => a.label.localeCompare(b.label));
