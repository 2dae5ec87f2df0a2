// Job roles grouped under "Level N" headings, each role a tile.
import { ChoiceTiles } from './ChoiceTiles.jsx';

export function RolesByLevel({ roles, onChoose }) {
  const levels = [];
  for (const r of roles) {
    let group = levels.find((g) => g.level === r.level);
    if (!group) {
      group = { level: r.level, roles: [] };
      levels.push(group);
    }
    group.roles.push(r);
  }
  levels.sort((a, b) => a.level - b.level);
  return (
    <div className="levels">
      {levels.map((g) => (
        <section key={g.level} className="level" aria-labelledby={`level-${g.level}`}>
          <h2 id={`level-${g.level}`}>Level {g.level}</h2>
          <ChoiceTiles
            label={`Level ${g.level} roles`}
            options={g.roles.map((r) => ({ id: r.id, text: r.name, desc: r.desc, role: r }))}
            onChoose={(o) => onChoose(o.role)}
          />
        </section>
      ))}
    </div>
  );
}
