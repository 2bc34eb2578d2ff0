// The task list: plain objects in memory, numbered from 1.
// TODO: persist tasks to a JSON file so that they survive a restart.

/** Creates an empty task list. */
export function createTaskList() {
  const tasks = [];
  let nextId = 1;

  return {
    add(title, { due } = {}) {
      if (typeof title !== 'string' || title.trim() === '') throw new TypeError('a task needs a title');
      const task = { id: nextId++, title: title.trim(), due: due ?? null, done: false };
      tasks.push(task);
      return task;
    },
    complete(id) {
      const task = tasks.find((candidate) => candidate.id === id);
      if (task === undefined) throw new RangeError(`no task ${id}`);
      task.done = true;
      return task;
    },
    open() {
      return tasks.filter((task) => !task.done);
    },
    overdue(today) {
      // TODO: compare dates, not strings, once due dates may carry a time.
      return tasks.filter((task) => !task.done && task.due !== null && task.due < today);
    },
  };
}
