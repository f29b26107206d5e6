import { useSearchParams } from 'react-router-dom';
import { isAdministrator } from '@/lib/roles';
import { useSession } from '@/lib/session';
import { AlertHistory } from './AlertHistory';
import { ChannelsPanel } from './ChannelsPanel';
import { FiringAlerts } from './FiringAlerts';
import { RulesPanel } from './RulesPanel';
import { SilencesPanel } from './SilencesPanel';

const TABS = [
  { key: 'firing', label: 'Firing now' },
  { key: 'history', label: 'History' },
  { key: 'rules', label: 'Rules' },
  { key: 'silences', label: 'Silences' },
  { key: 'channels', label: 'Channels', adminOnly: true },
] as const;

type TabKey = (typeof TABS)[number]['key'];

export function AlertsPage() {
  const session = useSession();
  const [search, setSearch] = useSearchParams();
  const admin = isAdministrator(session.user);
  const tabs = TABS.filter((t) => !('adminOnly' in t) || admin);
  const tab: TabKey = tabs.find((t) => t.key === search.get('tab'))?.key ?? 'firing';

  return (
    <div data-testid="alerts-page" className="space-y-4">
      <h1 className="text-2xl font-semibold text-fg">Alerts</h1>
      <div role="tablist" aria-label="Alerts" className="flex flex-wrap gap-1 border-b border-border">
        {tabs.map((t) => (
          <button
            key={t.key}
            type="button"
            role="tab"
            id={`alerts-tab-${t.key}`}
            aria-selected={tab === t.key}
            aria-controls="alerts-tabpanel"
            data-testid={`alerts-tab-${t.key}`}
            onClick={() => setSearch({ tab: t.key }, { replace: true })}
            className={`-mb-px border-b-2 px-3 py-1.5 text-sm font-medium ${
              tab === t.key ? 'border-accent text-fg' : 'border-transparent text-muted hover:text-fg'
            }`}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div id="alerts-tabpanel" role="tabpanel" aria-labelledby={`alerts-tab-${tab}`}>
        {tab === 'firing' && <FiringAlerts />}
        {tab === 'history' && <AlertHistory />}
        {tab === 'rules' && <RulesPanel />}
        {tab === 'silences' && <SilencesPanel />}
        {tab === 'channels' && admin && <ChannelsPanel />}
      </div>
    </div>
  );
}
