import { ThemeToggle } from '@/components/ui/ThemeToggle';
import { useUpdateProfile } from '../api/update-profile';

/** The header's theme switch: applies at once, then remembers the choice on the user's profile. */
export function SavedThemeToggle() {
  const update = useUpdateProfile();
  // A failed save only costs the choice on other browsers; the theme is already applied here.
  return <ThemeToggle onChange={(theme) => update.mutate({ theme })} />;
}
