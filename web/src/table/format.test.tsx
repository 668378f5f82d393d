import { fireEvent, render } from "@testing-library/react";
import { Avatar, formatTotal, initialsOf, textColorOn } from "./format";

function contrast(a: string, b: string): number {
  const lum = (hex: string) => {
    const n = parseInt(hex.slice(1), 16);
    const c = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * c[0]! + 0.7152 * c[1]! + 0.0722 * c[2]!;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x! + 0.05) / (y! + 0.05);
}

test("the total reads as the contract says", () => {
  expect(formatTotal(1)).toBe("1 contact");
  expect(formatTotal(0)).toBe("0 contacts");
  expect(formatTotal(1234)).toBe("1,234 contacts");
  expect(formatTotal(10000, "gte")).toBe("10,000+ contacts");
});

test("initials are readable on any avatar colour (WCAG AA)", () => {
  for (const bg of ["#000000", "#ffffff", "#777777", "#1f5fd1", "#e91e63", "#ffeb3b", "#4caf50", "#808080"]) {
    expect(contrast(bg, textColorOn(bg))).toBeGreaterThanOrEqual(4.5);
  }
});

test("avatar: picture when there is one, else initials on the contact's colour", () => {
  const { container, rerender } = render(<Avatar avatar={{ url: "https://example.com/a.png" }} />);
  expect(container.querySelector("img")).toHaveAttribute("src", "https://example.com/a.png");
  rerender(<Avatar avatar={{ initials: "ZÅ", color: "#336699" }} />);
  const span = container.querySelector("span.avatar") as HTMLElement;
  expect(span).toHaveTextContent("ZÅ");
  expect(span.style.background).toContain("rgb(51, 102, 153)");
});

test("avatar: a picture that does not load gives way to the contact's initials", () => {
  const { container } = render(<Avatar avatar={{ url: "https://example.com/gone.png" }} contact={{ first_name: "Zoë", last_name: "Åberg", display_name: "Zoë Åberg" }} />);
  fireEvent.error(container.querySelector("img") as HTMLImageElement);
  expect(container.querySelector("img")).toBeNull();
  expect(container.querySelector("span.avatar")).toHaveTextContent("ZÅ");
});

test("initials as the API makes them: first and last name, else the display name's first letter or digit", () => {
  expect(initialsOf({ first_name: "ana", last_name: null, display_name: "ana" })).toBe("A");
  expect(initialsOf({ first_name: null, last_name: null, display_name: "+60 12-345" })).toBe("6");
  expect(initialsOf({ first_name: " ", last_name: null, display_name: "" })).toBe("?");
});
