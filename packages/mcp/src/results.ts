import { createHash } from 'node:crypto';

/** An image (or audio clip) an MCP tool returned, kept out of the model's context and named by `ref`. */
export interface McpMediaReference {
  readonly type: 'image' | 'audio';
  /** `mcp-media:<server>/<sha256 prefix>`; pass it to `McpToolSource.media()` for the bytes. */
  readonly ref: string;
  readonly mimeType: string;
  /** Decoded size in bytes. */
  readonly bytes: number;
}

/** What a non-text MCP result becomes: its text, structured content, media references and resource links. */
export interface McpToolOutput {
  /** The text blocks, joined by blank lines. */
  text: string;
  structuredContent?: Record<string, unknown>;
  media?: McpMediaReference[];
  /** Resource links and embedded resources, by URI (their contents are not fetched). */
  resources?: Array<{ uri: string; name?: string; mimeType?: string; text?: string }>;
}

/** A stored media item. */
export interface McpMedia {
  readonly mimeType: string;
  /** Base64, as the server sent it. */
  readonly data: string;
}

interface ContentBlock {
  type: string;
  text?: string;
  data?: string;
  mimeType?: string;
  uri?: string;
  name?: string;
  resource?: { uri: string; mimeType?: string; text?: string };
}

/** Joins the text blocks of an MCP result (for `isError` messages). */
export function contentText(content: readonly unknown[] | undefined): string {
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const block of content as ContentBlock[]) {
    if (block?.type === 'text' && typeof block.text === 'string')
      text = text === '' ? block.text : `${text}\n\n${block.text}`;
  }
  return text;
}

/**
 * Maps a successful MCP `CallToolResult` to a tool output: a lone text block (the common case) stays a
 * string; anything else becomes an `McpToolOutput`, with images and audio stored through `storeMedia`.
 */
export function toToolOutput(
  server: string,
  result: { content?: unknown[]; structuredContent?: unknown },
  storeMedia: (ref: string, media: McpMedia) => void,
): string | McpToolOutput {
  const content = (Array.isArray(result.content) ? result.content : []) as ContentBlock[];
  const structured =
    typeof result.structuredContent === 'object' && result.structuredContent !== null
      ? (result.structuredContent as Record<string, unknown>)
      : undefined;
  if (structured === undefined && content.length === 1 && content[0]?.type === 'text') {
    return content[0].text ?? '';
  }
  const output: McpToolOutput = { text: contentText(content) };
  const media: McpMediaReference[] = [];
  const resources: NonNullable<McpToolOutput['resources']> = [];
  if (structured !== undefined) output.structuredContent = structured;
  for (const block of content) {
    if ((block.type === 'image' || block.type === 'audio') && typeof block.data === 'string') {
      const digest = createHash('sha256').update(block.data).digest('hex').slice(0, 16);
      const ref = `mcp-media:${server}/${digest}`;
      const mimeType = block.mimeType ?? 'application/octet-stream';
      storeMedia(ref, { mimeType, data: block.data });
      media.push({
        type: block.type,
        ref,
        mimeType,
        bytes:
          Math.floor((block.data.length * 3) / 4) -
          (block.data.endsWith('==') ? 2 : block.data.endsWith('=') ? 1 : 0),
      });
    } else if (block.type === 'resource_link' && typeof block.uri === 'string') {
      resources.push({
        uri: block.uri,
        ...(block.name !== undefined ? { name: block.name } : {}),
        ...(block.mimeType !== undefined ? { mimeType: block.mimeType } : {}),
      });
    } else if (block.type === 'resource' && block.resource && typeof block.resource.uri === 'string') {
      resources.push({
        uri: block.resource.uri,
        ...(block.resource.mimeType !== undefined ? { mimeType: block.resource.mimeType } : {}),
        ...(typeof block.resource.text === 'string' ? { text: block.resource.text } : {}),
      });
    }
  }
  if (media.length > 0) output.media = media;
  if (resources.length > 0) output.resources = resources;
  return output;
}
