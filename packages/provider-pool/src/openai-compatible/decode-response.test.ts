import { describe, expect, it } from 'vitest';
import { contentText, decodeChatResponse } from './decode-response.js';

describe('contentText', () => {
  it('keeps strings and joins the text parts of a content array, skipping thinking parts', () => {
    expect(contentText('plain')).toBe('plain');
    expect(
      contentText([
        { type: 'thinking', thinking: [{ type: 'text', text: 'hmm' }] },
        { type: 'text', text: '2 + 2' },
        { type: 'text', text: ' = 4' },
      ]),
    ).toBe('2 + 2 = 4');
    expect(contentText(null)).toBe('');
  });
});

describe('decodeChatResponse', () => {
  it('decodes a message whose content is an array of parts', () => {
    const response = decodeChatResponse({
      choices: [{ message: { content: [{ type: 'text', text: 'four' }] }, finish_reason: 'stop' }],
    });
    expect(response.text).toBe('four');
  });
});
