/** A preset's text as the user gets it to edit ("Open Experiment as JSON"). */
/**
 * The presets point "$schema" at ../schema/, which means nothing next to wherever the user saves the copy;
 * the extension's jsonValidation covers every *.gradexp.json instead, so the line is dropped.
 */
export function withoutRelativeSchema(text: string): string {
  return text.replace(/^[ \t]*"\$schema"[ \t]*:[ \t]*"\.{1,2}\/[^"\n]*"[ \t]*,[ \t]*\r?\n/m, '');
}
