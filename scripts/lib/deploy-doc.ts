/**
 * Reads docs/deploy.md the way the deploy rehearsal follows it: its numbered sections, the shell
 * commands of each ```sh block in order, the Management API scopes it tells people to grant, and the
 * variables it tells them to set.
 */

/** One numbered section (`## 2. Auth0`) of the document. */
export interface DocSection {
  number: number;
  title: string;
  /** The section's text, code included. */
  text: string;
  /** Its ```sh blocks, each as the list of commands it holds (continuation lines joined). */
  blocks: string[][];
}

/** The commands of a shell block: comments and blank lines dropped, `\`-continued lines kept together. */
export function commandsOf(lines: readonly string[]): string[] {
  const commands: string[] = [];
  let current: string[] = [];
  for (const line of lines) {
    if (current.length === 0 && (line.trim() === "" || line.trim().startsWith("#"))) continue;
    current.push(line);
    if (!line.trimEnd().endsWith("\\")) {
      commands.push(current.join("\n"));
      current = [];
    }
  }
  if (current.length > 0) commands.push(current.join("\n"));
  return commands;
}

/** Every `## ` section of a Markdown document, with its shell blocks; `number` when it is numbered. */
export function parseSections(markdown: string): Array<Omit<DocSection, "number"> & { number?: number }> {
  const sections: Array<Omit<DocSection, "number"> & { number?: number }> = [];
  let section: (typeof sections)[number] | undefined;
  let fence: { indent: number; lines: string[] } | undefined;
  for (const line of markdown.split("\n")) {
    if (fence) {
      if (/^\s*```\s*$/.test(line)) {
        section?.blocks.push(commandsOf(fence.lines));
        fence = undefined;
      } else {
        fence.lines.push(line.slice(Math.min(fence.indent, line.length - line.trimStart().length)));
      }
      if (section) section.text += `${line}\n`;
      continue;
    }
    const heading = /^## (?:(\d+)\. )?(.+)$/.exec(line);
    if (heading) {
      section = {
        ...(heading[1] ? { number: Number(heading[1]) } : {}),
        title: heading[2] ?? "",
        text: "",
        blocks: [],
      };
      sections.push(section);
      continue;
    }
    const open = /^(\s*)```sh\s*$/.exec(line);
    if (open) fence = { indent: open[1]?.length ?? 0, lines: [] };
    if (section) section.text += `${line}\n`;
  }
  return sections;
}

/** The numbered sections of a deploy document, with their shell blocks. */
export function parseDeployDoc(markdown: string): DocSection[] {
  return parseSections(markdown).filter((section): section is DocSection => section.number !== undefined);
}

/** The section numbered `number`; throws when the document has none. */
export function sectionOf(sections: readonly DocSection[], number: number): DocSection {
  const found = sections.find((section) => section.number === number);
  if (!found) throw new Error(`docs/deploy.md has no section "## ${number}. ..."`);
  return found;
}

/** The Management API scopes of the paragraph (list item) that describes the Machine to Machine app. */
export function machineToMachineScopes(section: DocSection): string[] {
  const items = section.text.split(/\n(?=- )/);
  const item = items.find((candidate) => candidate.includes("**Machine to Machine Application**"));
  if (!item) throw new Error("docs/deploy.md step 2 does not describe the Machine to Machine Application");
  return [...item.matchAll(/`([a-z_]+:[a-z_]+)`/g)].map((match) => match[1] ?? "");
}

/** The variables of the table in a section (rows that start with a backticked NAME). */
export function tableVariables(section: DocSection): string[] {
  return [...section.text.matchAll(/^\s*\| `([A-Z][A-Z0-9_]*)`/gm)].map((match) => match[1] ?? "");
}

/** `export NAME=value` (one variable) as [name, value], else undefined. */
export function exportOf(command: string): [string, string] | undefined {
  const match = /^export ([A-Z_][A-Z0-9_]*)=(.*?)(?:\s+#.*)?$/.exec(command.trim());
  return match ? [match[1] ?? "", match[2] ?? ""] : undefined;
}
