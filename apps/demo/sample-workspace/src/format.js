/** One line of text for a task: `[x] 3 title (due 2026-12-01)`. */
export function formatTask(task) {
  const box = task.done ? '[x]' : '[ ]';
  const due = task.due === null ? '' : ` (due ${task.due})`;
  return `${box} ${task.id} ${task.title}${due}`;
}
